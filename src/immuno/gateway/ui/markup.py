"""HTML with escaping by default: every value is escaped unless it is already ``Html``.

Templates are ``str.format`` strings whose placeholders are filled by :func:`fill`,
which escapes each value (``html.escape`` with quotes), so text from agents,
payloads and operators always renders inert.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime


class Html(str):
    """Markup that is safe as it is (built by :func:`fill` or :func:`join`)."""

    __slots__ = ()


def esc(value: object) -> Html:
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


def fill(template: str, **values: object) -> Html:
    """``template`` with every value escaped (``Html`` values are inserted as they are)."""
    return Html(template.format(**{name: esc(value) for name, value in values.items()}))


def join(parts: Iterable[object], sep: str = "") -> Html:
    return Html(sep.join(esc(part) for part in parts))


def when(at: float | None) -> str:
    if not at:
        return "-"
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def table(caption: str, headers: Iterable[str], rows: Iterable[Iterable[object]]) -> Html:
    """A table with a caption, in a region that scrolls sideways when it must. Each
    cell carries its column's name, so a narrow screen shows every row as a card of
    labelled fields (see the stylesheet)."""
    names = list(headers)
    head = join(fill('<th scope="col">{h}</th>', h=h) for h in names)
    body = join(
        fill(
            "<tr>{cells}</tr>",
            cells=join(
                fill('<td data-label="{h}"><div class="v">{c}</div></td>', h=h, c=c)
                for h, c in zip(names, row, strict=True)
            ),
        )
        for row in rows
    )
    if not body:
        return fill('<p class="empty">{caption}: none.</p>', caption=caption)
    return fill(
        '<div class="scroll" role="region" aria-label="{caption}" tabindex="0">'
        "<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        "<tbody>{body}</tbody></table></div>",
        caption=caption,
        head=head,
        body=body,
    )


def hidden_csrf(csrf: str) -> Html:
    return fill('<input type="hidden" name="csrf" value="{csrf}">', csrf=csrf)


def button_form(
    action: str,
    label: str,
    csrf: str,
    *,
    note: bool = False,
    danger: bool = False,
    extra: Html | None = None,
) -> Html:
    """A POST form with one submit button (and an optional labelled note field)."""
    field = Html("")
    if note:
        ident = f"note-{zlib.crc32(action.encode()):08x}"
        field = fill(
            '<label for="{i}">Note</label><input id="{i}" name="note" type="text" '
            'maxlength="500" autocomplete="off">',
            i=ident,
        )
    return fill(
        '<form method="post" action="{action}" class="act">{csrf}{field}{extra}'
        '<button type="submit" class="{cls}">{label}</button></form>',
        action=action,
        csrf=hidden_csrf(csrf),
        field=field,
        extra=extra or Html(""),
        cls="danger" if danger else "primary",
        label=label,
    )


def pager(base: str, page: int, more: bool, query: str = "") -> Html:
    """Previous / next links of a paginated list (``page`` counts from 1)."""
    links = []
    sep = "&amp;" if query else ""
    if page > 1:
        links.append(
            fill(
                '<a href="{b}?{q}{s}page={p}" rel="prev">Previous page</a>',
                b=base,
                q=Html(query),
                s=Html(sep),
                p=page - 1,
            )
        )
    links.append(fill("<span>Page {p}</span>", p=page))
    if more:
        links.append(
            fill(
                '<a href="{b}?{q}{s}page={p}" rel="next">Next page</a>',
                b=base,
                q=Html(query),
                s=Html(sep),
                p=page + 1,
            )
        )
    return fill('<nav class="pager" aria-label="pages">{links}</nav>', links=join(links, " "))
