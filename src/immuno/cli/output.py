"""How commands print: tables that fit the terminal, and ``--json``.

Tables fold long cells instead of clipping them with an ellipsis, so an id is always
printed whole (on two lines if it must); columns marked ``drop_below`` are left out
when the console is narrower than that. ``--json`` prints one JSON document (an array
of objects for a listing) with full ids and every field.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console, RenderableType
from rich.table import Table

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document (full ids, every field), no table."),
]


@dataclass(frozen=True)
class Col:
    """One column: ``drop_below`` leaves it out on consoles narrower than that."""

    name: str
    justify: str = "left"
    drop_below: int = 0
    min_width: int | None = None


def console(*, stderr: bool = False) -> Console:
    """A console for tables and text: the terminal's width, or ``COLUMNS``, or 80."""
    return Console(stderr=stderr)


def table(
    title: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[RenderableType]],
    width: int,
    **options: Any,
) -> Table:
    """A table of ``rows`` for a console ``width`` wide: cells fold, never clip."""
    keep = [i for i, col in enumerate(columns) if width >= col.drop_below]
    shown = Table(title=title, **options)
    for i in keep:
        col = columns[i]
        shown.add_column(
            col.name,
            justify=col.justify,  # type: ignore[arg-type]
            overflow="fold",
            min_width=col.min_width,
        )
    for row in rows:
        shown.add_row(*(row[i] for i in keep))
    return shown


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
