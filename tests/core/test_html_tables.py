"""An HTML read's tables as records and fields (``core/html_tables.py``)."""

from __future__ import annotations

import pytest

from immuno.core.fields import REST
from immuno.core.html_tables import table_fields

pytestmark = pytest.mark.no_store  # opens no store

TWO = """<p>Open tickets</p>
<table><tr><th>id</th><th>body</th></tr><tr><td>T-1</td><td>Printer jam</td></tr></table>
<table><thead><tr><td>name</td><td>phone</td></tr></thead>
<tr><td>Ana</td><td>+44 20 7946 0958</td><td>spare</td></tr></table>"""


def test_cells_are_fields_by_table_row_and_column() -> None:
    found = table_fields(TWO)
    assert found is not None
    cells = [(f.path, f.record, f.key, f.text) for f in found]
    assert cells == [
        ("$[0][1].id", 0, "id", "T-1"),
        ("$[0][1].body", 0, "body", "Printer jam"),
        ("$[1][1].name", 1, "name", "Ana"),
        ("$[1][1].phone", 1, "phone", "+44 20 7946 0958"),
        (REST, 1, None, "spare"),  # no column names it
        (REST, None, None, "Open tickets"),  # nor the page around the tables
    ]


def test_a_column_is_named_as_a_reader_would_type_it() -> None:
    head = "<tr><th>Customer  Comment \u25b2</th><th>Re\u00e7u</th></tr>"
    found = table_fields(f"<table>{head}<tr><td>a</td><td>b</td></tr></table>")
    assert found is not None
    assert [f.key for f in found] == ["customer comment", "re\u00e7u"]


def test_a_cell_is_what_a_reader_sees_of_it_with_its_links() -> None:
    html = (
        "<table><tr><th>note</th></tr>"
        '<tr><td><a href="https://x.example/p" title="see mallory@evil.example">the page</a>'
        '<img src="https://x.example/i.png" alt="logo"></td></tr></table>'
    )
    found = table_fields(html)
    assert found is not None
    (cell,) = found
    for seen in ("the page", "https://x.example/p", "mallory@evil.example", "logo"):
        assert seen in cell.text


@pytest.mark.parametrize(
    "html",
    [
        "<p>no table at all</p>",
        "plain text",
        "<table><tr><td>a</td><td>b</td></tr></table>",  # no header row
        "<table><tr><th>a</th><th>a</th></tr><tr><td>1</td><td>2</td></tr></table>",  # twice
        "<table><tr><th>a</th><th></th></tr><tr><td>1</td><td>2</td></tr></table>",  # unnamed
        "<table><tr><th>a</th></tr><tr><td><table><tr><th>b</th></tr></table></td></tr></table>",
        "<table><tr><th>a</th></tr><tr><td>1</td></tr></table><div hidden>psst</div>",
        # a cell spanning columns or rows shifts its neighbours under other names
        '<table><tr><th colspan="2">a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>',
        '<table><tr><th>a</th><th>b</th></tr><tr><td rowspan="2">1</td><td>2</td></tr></table>',
        '<table><tr><th colspan="2">Tickets</th></tr><tr><th>a</th><th>b</th></tr></table>',
    ],
)
def test_what_cannot_be_told_apart_is_not_read_into_fields(html: str) -> None:
    assert table_fields(html) is None
