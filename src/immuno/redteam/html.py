"""A self-contained HTML report: inline CSS, no script, every text escaped."""

from __future__ import annotations

from html import escape

from immuno.redteam.report import NOTES, Run, family_json, rows, stopped_by

_CSS = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:64rem;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem"
    " .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    ".num{text-align:right}.skip{color:#777}code{font-size:90%}"
)
_HEADS = ("family", "attacks stopped", "benign passed", "median ms", "p99 ms", "stopped by")


def render(run: Run) -> str:
    """The report as one HTML document."""
    head = "".join(f"<th>{escape(h)}</th>" for h in _HEADS)
    body = []
    for score, row in zip(run.scores, rows(run.scores), strict=True):
        cls = ' class="skip"' if score.skipped is not None else ""
        cells = [f"<td>{escape(row[0])}</td>"]
        cells += [f'<td class="num">{escape(cell)}</td>' for cell in row[1:5]]
        codes = family_json(score)["stopped_by"]
        listed = ", ".join(f"<code>{escape(c)}</code> ({n})" for c, n in codes.items())
        cells.append(f"<td>{listed or escape(stopped_by(score))}</td>")
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    techniques = []
    for score in run.scores:
        for name, seen in sorted(score.techniques.items()):
            techniques.append(
                f"<tr><td>{escape(score.name)}</td><td>{escape(name)}</td>"
                f'<td class="num">{seen[1]}/{seen[0]}</td></tr>'
            )
    attacks = sum(s.attacks for s in run.scores)
    stopped = sum(s.stopped for s in run.scores)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>immuno red-team report</title><style>{_CSS}</style></head><body>"
        f"<h1>immuno red-team report</h1><p>{escape(run.target)}; store {escape(run.store)};"
        f" {escape(run.generated_at)}; {run.seconds:.1f} s. Attacks stopped:"
        f" {stopped} of {attacks}.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "<h2>By technique</h2><table><thead><tr><th>family</th><th>technique</th>"
        f"<th>stopped</th></tr></thead><tbody>{''.join(techniques)}</tbody></table>"
        f"<p>{escape(NOTES)}</p></body></html>\n"
    )
