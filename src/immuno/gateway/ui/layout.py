"""The page shell: navigation, a skip link, the flash message and the stylesheet.

No script: every action is a real form with a real button, so the pages work with a
keyboard and without JavaScript. The layout reflows from 1280 px down to 390 px
(tables scroll inside their own region)."""

from __future__ import annotations

from immuno.gateway.ui.markup import Html, esc, fill, hidden_csrf, join

NAV = (
    ("/ui", "Overview"),
    ("/ui/incidents", "Incidents"),
    ("/ui/quarantine", "Quarantine"),
    ("/ui/approvals", "Approvals"),
    ("/ui/audit", "Audit log"),
    ("/ui/redteam", "Red team"),
)

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--accent:#0b57d0;
--bad:#b3261e;--ok:#1a7f37;--warn:#9a6700;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:.5rem;z-index:10}
header{background:#0d1117;color:#fff;padding:.5rem 1rem}
header .brand{font-weight:700;margin-right:1rem}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center}
header nav a{color:#fff;text-decoration:none;padding:.25rem .25rem}
header nav a[aria-current=page]{border-bottom:2px solid #fff}
header form{margin-left:auto}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .25rem;word-break:break-all}
figure{margin:0}
.flash{border-left:4px solid var(--accent);background:var(--panel);padding:.5rem 1rem}
.flash.error{border-color:var(--bad)}
.banner{background:var(--bad);color:#fff;padding:.5rem 1rem;font-weight:700}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;
vertical-align:top}
td pre,pre.payload{white-space:pre-wrap;word-break:break-word;margin:0;
font-size:.85rem;background:var(--panel);padding:.25rem .5rem;max-width:40rem}
td pre{min-width:18rem}
.code{overflow-wrap:anywhere;min-width:10rem}
.pill{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;
border:1px solid var(--line)}
.healthy{color:var(--ok)}.watched{color:var(--accent)}.throttled{color:var(--warn)}
.quarantined,.locked{color:var(--bad);font-weight:700}
form.act{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:center;margin:.25rem 0 .75rem}
label{font-weight:600}
input[type=text],input[type=password]{font:inherit;padding:.35rem .5rem;
border:1px solid var(--muted);border-radius:4px;min-width:10rem;max-width:100%}
button{font:inherit;padding:.35rem .9rem;border-radius:4px;border:1px solid var(--accent);
background:var(--accent);color:#fff;cursor:pointer;min-height:2.25rem}
button.danger{background:#fff;color:var(--bad);border-color:var(--bad)}
button.quiet{background:transparent;border-color:#fff;color:#fff}
a:focus-visible,button:focus-visible,input:focus-visible,[tabindex]:focus-visible{
outline:3px solid #f0b400;outline-offset:2px}
.pager{display:flex;gap:1rem;align-items:center;margin:.75rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}
svg{max-width:100%;height:auto}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;word-break:break-all}
.muted{color:var(--muted)}.empty{color:var(--muted);font-style:italic}
@media (max-width:600px){main{padding:.5rem}h1{font-size:1.25rem}
header form{margin-left:0}
table,tbody,tr,td,caption{display:block}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.25rem .5rem}
td{border:0;padding:.2rem 0;display:grid;grid-template-columns:6.5rem minmax(0,1fr);
gap:.5rem}
td::before{content:attr(data-label);font-weight:600;color:var(--muted)}
td .v{min-width:0;overflow-wrap:anywhere}
td pre,pre.payload{max-width:100%;min-width:0}}
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - immuno</title>
<link rel="stylesheet" href="/ui/static/app.css">
<link rel="icon" href="data:,">
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="main">
<span class="brand">immuno</span>{links}{logout}
</nav></header>
{banner}<main id="main" tabindex="-1"><h1>{title}</h1>{flash}{body}</main>
</body></html>"""


def page(
    title: str,
    body: Html,
    *,
    current: str = "",
    csrf: str | None = None,
    flash: tuple[str, str] | None = None,
    banner: str | None = None,
) -> Html:
    """A whole page. ``csrf`` is set for a browser session (a logout button is shown);
    ``flash`` is (kind, text) of the last action's result."""
    links = join(
        fill(
            '<a href="{href}"{cur}>{label}</a>',
            href=href,
            label=label,
            cur=Html(' aria-current="page"') if href == current else Html(""),
        )
        for href, label in NAV
    )
    logout = Html("")
    if csrf is not None:
        logout = fill(
            '<form method="post" action="/ui/logout">{csrf}'
            '<button type="submit" class="quiet">Log out</button></form>',
            csrf=hidden_csrf(csrf),
        )
    note = Html("")
    if flash is not None:
        kind, text = flash
        note = fill(
            '<p class="flash {kind}" role="status">{text}</p>',
            kind="error" if kind == "error" else "ok",
            text=text,
        )
    top = fill('<p class="banner" role="alert">{b}</p>', b=banner) if banner else Html("")
    return fill(
        _PAGE, title=title, links=links, logout=logout, banner=top, flash=note, body=esc(body)
    )
