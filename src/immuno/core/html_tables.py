"""An HTML read's tables as records and fields, for trust per field (``outsider_fields``).

A trusted tool that returns a page (a CRM record, a ticket list, a report) often lays
its records out as a ``<table>``: a header row names the columns, each later row is a
record. :func:`table_fields` reads each cell as a :class:`Field` like a CSV cell:
``$[0][2].comment`` is the ``comment`` cell of row 2 of the first table, its ``key``
the column's name as a reader would type it (case-folded, its words only: "Comment ▲"
is ``comment``) and its ``record`` the row's number across the read's tables. A cell's
text is what a reader sees of it, with the addresses and titles of its links and
images (as ``hidden.py`` reads them).

Whatever is not a cell under a named column is anyone's (``REST``, judged as untrusted
content): a cell past the header's columns, and everything the page says outside its
tables (headings, notes, text a malformed table spills out of itself). Only a page
whose cells can be told apart is read so; :func:`table_fields` returns None (and the
caller judges the whole read as untrusted, failing closed) when the read hides prose
(``hidden.py``: a hidden cell could be anyone's), when a table holds another table,
when a cell spans rows or columns (its neighbours would shift under other names), when
a table has no header row (a row of ``th`` cells, or the first row of a ``thead``)
naming each column apart, or when the read has no table at all. Parsed by lexbor
(``selectolax``), as ``hidden.py`` parses.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from immuno.core.fields import MAX_FIELDS, REST, Field, member
from immuno.core.hidden import has_markup, split

MAX_CHARS = 1 << 20  # a larger page is judged whole
_CODE = ("script", "style", "template", "noscript")
_WORDS = re.compile(r"[^\W_]+(?:[_-][^\W_]+)*")  # words, and words joined by _ or -


def table_fields(text: str) -> tuple[Field, ...] | None:
    """The read's table cells and the rest of its text as fields, or None when they
    cannot be told apart (see the module docstring)."""
    if len(text) > MAX_CHARS or not has_markup(text) or split(text).hidden.strip():
        return None
    tree = LexborHTMLParser(text)
    tree.strip_tags(list(_CODE))  # code is no cell's text (``hidden.py`` files it apart)
    tables = tree.css("table")
    # a node's own selector matches it too: a table holding another matches twice
    if not tables or any(len(table.css("table")) > 1 for table in tables):
        return None
    fields: list[Field] = []
    record = 0
    for number, table in enumerate(tables):
        rows = [row.css("th, td") for row in table.css("tr")]
        if any(_spans(cell) for cells in rows for cell in cells):
            return None
        head = _header(table, rows)
        if head is None:
            return None
        names = [_name(cell.text(separator=" ")) for cell in rows[head]]
        for index, cells in enumerate(rows[head + 1 :], start=1):
            for column, cell in enumerate(cells):
                seen = " ".join(split(cell.html or "").visible.split())
                if column < len(names):
                    key = names[column]
                    fields.append(Field(f"$[{number}][{index}]{member(key)}", record, key, seen))
                else:  # a cell no column names
                    fields.append(Field(REST, record, None, seen))
            record += 1
        table.decompose()
    rest = split(tree.html or "").visible.strip()
    if rest:
        fields.append(Field(REST, None, None, rest))
    return tuple(fields) if len(fields) <= MAX_FIELDS else None


def _spans(cell: LexborNode) -> bool:
    attributes = cell.attributes
    return any((attributes.get(a) or "1").strip() != "1" for a in ("colspan", "rowspan"))


def _name(label: str) -> str:
    """A column's name as a reader would type it: case-folded, its words only."""
    return " ".join(_WORDS.findall(label.casefold()))


def _header(table: LexborNode, rows: list[list[LexborNode]]) -> int | None:
    """The index of the header row: the first row made only of ``th`` cells, or the
    first row of a ``thead``; None without one, or with columns not named apart."""
    for index, row in enumerate(table.css("tr")):
        cells = rows[index]
        in_head = row.parent is not None and row.parent.tag == "thead"
        if cells and (in_head or all(cell.tag == "th" for cell in cells)):
            names = [_name(cell.text(separator=" ")) for cell in cells]
            if all(names) and len(set(names)) == len(names):
                return index
            return None
        if cells:
            return None  # a data row before any header
    return None
