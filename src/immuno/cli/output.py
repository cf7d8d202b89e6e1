"""How commands print: tables that fit the terminal, and ``--json``.

Tables fold long cells instead of clipping them with an ellipsis, so an id is always
printed whole (on two lines if it must); columns of least use (``Col.drop``) are left
out while the table cannot fit the console. ``--json`` prints one JSON document (an
array of objects for a listing) with full ids and every field.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console, JustifyMethod, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document (full ids, every field), no table."),
]


@dataclass(frozen=True)
class Col:
    """One column. ``drop``: 0 keeps it always; when the table is wider than the
    console, columns with the highest ``drop`` are left out first."""

    name: str
    justify: JustifyMethod = "left"
    drop: int = 0
    whole: bool = False  # an id: shrink other columns first, fold it only as a last resort
    markup: bool = False  # cells are rich markup; otherwise plain text, shown as it is


def console(*, stderr: bool = False) -> Console:
    """A console for tables and text: the terminal's width, or ``COLUMNS``, or 80."""
    return Console(stderr=stderr)


def table(
    title: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[RenderableType]],
    out: Console,
    **options: Any,
) -> Table:
    """A table of ``rows`` for ``out``: optional columns are left out (highest ``drop``
    first) while it would be wider than the console, and cells fold, never clip."""
    keep = list(range(len(columns)))
    optional = sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: -columns[i].drop)
    unbounded = out.options.update_width(1 << 16)
    while True:
        shown = _build(title, columns, rows, keep, options)
        if not optional or Measurement.get(out, unbounded, shown).minimum <= out.width:
            return shown
        keep.remove(optional.pop(0))


def print_table(
    out: Console,
    title: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[RenderableType]],
    empty: str,
) -> None:
    """The table, or ``empty`` (a plain sentence) when there are no rows."""
    out.print(table(title, columns, rows, out) if rows else empty, highlight=False)


def _build(
    title: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[RenderableType]],
    keep: list[int],
    options: dict[str, Any],
) -> Table:
    shown = Table(title=title or None, **options)
    for i in keep:
        col = columns[i]
        shown.add_column(col.name, justify=col.justify, overflow="fold", no_wrap=col.whole)
    for row in rows:
        shown.add_row(*(_cell(row[i], columns[i]) for i in keep))
    return shown


def _cell(value: RenderableType, col: Col) -> RenderableType:
    """Stored text (a quarantined page, an agent's name) is never read as markup."""
    return Text(value) if isinstance(value, str) and not col.markup else value


def _default(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "value"):  # enums
        return value.value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(document: object) -> None:
    """One JSON document on stdout (indented, UTF-8), then a newline."""
    encoded = msgspec.json.encode(document, enc_hook=_default)
    out = sys.stdout.buffer
    out.write(msgspec.json.format(encoded, indent=2) + b"\n")
    out.flush()
