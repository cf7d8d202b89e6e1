"""Charts as inline SVG, drawn on the server: horizontal bars with their numbers
written out, so a chart reads without colour and a screen reader gets its title."""

from __future__ import annotations

from collections.abc import Sequence

from immuno.gateway.ui.markup import Html, fill, join

_ROW = 26
_LABEL = 130
_WIDTH = 560


def bars(
    title: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[tuple[str, str]],
    *,
    percent: bool = False,
) -> Html:
    """One group of bars per row label, one bar per series ((name, colour)).
    Values share one scale (the largest value); ``percent`` shows them as rates."""
    if not rows:
        return fill('<p class="empty">{t}: nothing counted yet.</p>', t=title)
    top = max((v for _, values in rows for v in values), default=0.0) or 1.0
    span = _WIDTH - _LABEL - 70
    group = _ROW * len(series) + 8
    height = group * len(rows) + 24
    parts: list[Html] = []
    for r, (label, values) in enumerate(rows):
        y0 = 20 + r * group
        parts.append(
            fill(
                '<text x="0" y="{y}" class="lbl">{t}</text>',
                y=f"{y0 + _ROW * len(series) / 2 + 4:.0f}",
                t=label[:18],
            )
        )
        for s, ((name, colour), value) in enumerate(zip(series, values, strict=True)):
            y = y0 + s * _ROW
            width = max(1.0, span * value / top) if value else 0.0
            shown = f"{value:.1%}" if percent else f"{value:,.0f}"
            parts.append(
                fill(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}">'
                    "<title>{n}: {v}</title></rect>"
                    '<text x="{tx}" y="{ty}" class="val">{v}</text>',
                    x=_LABEL,
                    y=y + 2,
                    w=f"{width:.1f}",
                    h=_ROW - 6,
                    c=colour,
                    n=f"{label} {name}",
                    v=shown,
                    tx=f"{_LABEL + width + 6:.1f}",
                    ty=y + _ROW - 8,
                )
            )
    legend = join(
        fill(
            '<rect x="{x}" y="2" width="12" height="12" fill="{c}"></rect>'
            '<text x="{tx}" y="13" class="val">{n}</text>',
            x=_LABEL + i * 130,
            c=colour,
            tx=_LABEL + i * 130 + 16,
            n=name,
        )
        for i, (name, colour) in enumerate(series)
    )
    return fill(
        '<figure class="card"><svg role="img" aria-label="{t}" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif" font-size="13">'
        "<title>{t}</title>{legend}{parts}</svg><figcaption>{t}</figcaption></figure>",
        t=title,
        w=_WIDTH,
        h=height,
        legend=legend,
        parts=join(parts),
    )
