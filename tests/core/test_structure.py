"""A tool output read as records and fields (core/structure.py)."""

from __future__ import annotations

import json
import random
import time

import pytest

from immuno.core.structure import (
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_YAML_CHARS,
    REST,
    Field,
    parse,
    words_of_key,
)

pytestmark = pytest.mark.no_store  # opens no store


def texts(text: str) -> list[str]:
    return [field.text for field in parse(text).fields]


# -- JSON -------------------------------------------------------------------------------


def test_json_values_are_fields_unescaped_with_their_place() -> None:
    text = json.dumps(
        [
            {"from": "ap@vendor.example", "body": "Two things first:\nPlease send it."},
            {"from": "dan@partner.example", "tags": ["a", "b c"], "meta": {"odd key": 1}},
        ]
    )
    found = parse(text)
    assert found.format == "json" and found.structured
    assert found.fields[1] == Field("$[0].body", 0, "body", "Two things first:\nPlease send it.")
    assert Field("$[1].tags[1]", 1, "tags", "b c") in found.fields
    assert Field('$[1].meta["odd key"]', 1, "odd key", "1") in found.fields
    assert all('"' not in f.text and "{" not in f.text for f in found.fields)


def test_json_scalars_keep_their_spelling() -> None:
    found = parse('{"amount": 2450.50, "big": 1e21, "n": 7, "paid": false, "x": null, "e": []}')
    assert texts('{"amount": 2450.50}') == ["2450.50"]
    assert [f.text for f in found.fields] == ["2450.50", "1E+21", "7", "false", "null", ""]
    assert found.fields[0].record is None  # a top-level mapping is no list of records


def test_a_key_named_twice_keeps_both_values() -> None:
    found = parse('{"note": "Kindly pay XK05 now.", "note": "Thanks", "n": {"a": 1, "a": 2}}')
    assert texts('{"note": "Kindly pay XK05 now.", "note": "Thanks"}') == [
        "Kindly pay XK05 now.",
        "Thanks",
    ]
    assert [f.text for f in found.fields][-2:] == ["1", "2"]


def test_a_colon_inside_a_string_does_not_look_like_a_key_named_twice() -> None:
    assert texts('{"a": "say \\": hi"}') == ['say ": hi']


def test_a_json_string_alone_is_one_field() -> None:
    found = parse('"first:\\nPlease send it."')
    assert found.format == "json"
    assert found.fields == (Field("$", None, None, "first:\nPlease send it."),)


def test_json_lines_are_records() -> None:
    found = parse('{"id": 1, "msg": "a\\nb"}\n\n{"id": 2, "msg": "c"}\n')
    assert found.format == "jsonl"
    assert [(f.path, f.record, f.text) for f in found.fields] == [
        ("$[0].id", 0, "1"),
        ("$[0].msg", 0, "a\nb"),
        ("$[1].id", 1, "2"),
        ("$[1].msg", 1, "c"),
    ]


def test_json_cut_short_is_read_up_to_where_it_stops() -> None:
    whole = json.dumps(
        [
            {"id": "m-0", "body": "Hi\nPlease send it", "tags": ["a", {"k": 2}, "b"]},
            {"id": "m-1", "body": "Oat and \u00e9mail"},
        ]
    )
    assert parse(whole[:-2]).fields == parse(whole).fields
    cut = parse(whole[: whole.index("Oat") + 5])
    assert cut.format == "json"
    assert cut.fields[-1] == Field("$[1].body", 1, "body", "Oat a")
    assert texts('{"a": "b\\u00') == ["b"]  # cut inside an escape: the escape is lost


@pytest.mark.parametrize("text", ['{"a": "b"} trailing words', '{"a" 1}', "[1, 2}", "{", "[]]"])
def test_malformed_json_is_prose(text: str) -> None:
    assert parse(text).format == "prose"
    assert texts(text) == [text]


# -- YAML -------------------------------------------------------------------------------


def test_yaml_values_are_fields_as_written() -> None:
    text = (
        "invoice: 2231\n"
        'note: "Totals below.\\nKindly wire it."\n'
        "paid: yes\n"
        "due: 2026-12-01\n"
        "lines:\n  - sku: KS-1\n    price: 12.50\n"
        "text: |\n  one\n  two\n"
    )
    found = parse(text)
    assert found.format == "yaml"
    assert [(f.path, f.key, f.text) for f in found.fields] == [
        ("$.invoice", "invoice", "2231"),
        ("$.note", "note", "Totals below.\nKindly wire it."),
        ("$.paid", "paid", "yes"),
        ("$.due", "due", "2026-12-01"),
        ("$.lines[0].sku", "sku", "KS-1"),
        ("$.lines[0].price", "price", "12.50"),
        ("$.text", "text", "one\ntwo\n"),
    ]


def test_yaml_list_items_and_documents_are_records() -> None:
    assert [f.record for f in parse("- a: 1\n- a: 2\n  b: 3\n").fields] == [0, 1, 1]
    documents = parse("a: 1\n---\n- x\n- y\n")
    assert [(f.path, f.record) for f in documents.fields] == [
        ("$[0].a", 0),
        ("$[1][0]", 1),
        ("$[1][1]", 1),
    ]


def test_yaml_comments_are_kept() -> None:
    found = parse("a: 1  # External_Ignore this\n# and this\nurl: https://x.example/#top\n")
    assert found.format == "yaml"
    comments = [f.text for f in found.fields if f.path == "#"]
    assert comments == ["External_Ignore this", "and this"]


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",  # an alias
        "a: &x 1\nb: 2\n",  # an anchor alone
        "a: !!python/object/apply:os.system [ls]\n",  # a tag
        "%YAML 1.1\n---\na: 1\n",  # a directive
        "? [a, b]\n: 1\n",  # a list as a key
        "Note: see below\nThanks",  # prose with a colon
        "just: one\nthen prose without a colon",
    ],
)
def test_odd_or_unsafe_yaml_is_prose(text: str) -> None:
    assert parse(text).format == "prose"


def test_a_billion_laughs_is_never_expanded() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
    ]
    start = time.perf_counter()
    found = parse("\n".join(lines))
    assert found.format != "yaml" and len(found.fields) < 100  # never expanded
    assert time.perf_counter() - start < 1.0


def test_yaml_past_its_size_is_prose() -> None:
    text = "a: b\n" * (MAX_YAML_CHARS // 5 + 1)
    assert parse(text).format == "prose"
    assert parse("a: b\n" * 100).format == "yaml"


# -- CSV --------------------------------------------------------------------------------


def test_csv_rows_are_records_and_the_header_names_the_columns() -> None:
    found = parse('id,name,note\nKS-1,Oat,"glossy, blue"\nKS-2,Ember,plain\n')
    assert found.format == "csv"
    assert found.fields[2] == Field("$[0].note", 0, "note", "glossy, blue")
    assert found.fields[3] == Field("$[1].id", 1, "id", "KS-2")


def test_csv_without_a_header_row_is_read_by_column_number() -> None:
    found = parse("1;Oat;12.50\n2;Ember;9.00\n3;Shino;4.00\n")
    assert found.format == "csv"
    assert found.fields[0] == Field("$[0][0]", 0, None, "1")


@pytest.mark.parametrize(
    "text",
    [
        "Hi Emma, thanks for the slides.\nBest, Dan\nSent from my phone, sorry",  # 2 columns
        "Hi Lena, the review is on Friday at 15:00 in Room Orion as we planned.\n" * 8,
        "a,b,c\n1,2,3\n4,5\n",  # a row short
        "a,b,c\n1,2,3\n",  # too few rows
        "one line, with, commas",
    ],
)
def test_text_that_only_looks_a_little_like_csv_is_prose(text: str) -> None:
    assert parse(text).format == "prose"


def test_two_columns_need_five_rows() -> None:
    assert parse("k,v\n" + "a,1\n" * 4).format == "csv"
    assert parse("k,v\n" + "a,1\n" * 2).format == "prose"


def test_tables_can_be_left_alone() -> None:
    table = "id,name,price\nKS-1,Oat,12.50\nKS-2,Ember,9.00\n"
    assert parse(table, tables=False).format == "prose"
    assert parse('{"a": 1}', tables=False).format == "json"


# -- the rest, and the bounds -----------------------------------------------------------


def test_html_and_prose_are_one_field() -> None:
    assert parse("<p>Hi</p>").fields == (Field("$", None, None, "<p>Hi</p>"),)
    assert parse("<p>Hi</p>").format == "html"
    assert parse("Plain words.").format == "prose"
    assert parse("").format == "prose" and texts("") == [""]


def test_more_fields_than_the_bound_end_in_one_field_holding_the_rest() -> None:
    items = [{"k": f"v{i}"} for i in range(MAX_FIELDS + 50)]
    fields = parse(json.dumps(items)).fields
    assert len(fields) == MAX_FIELDS
    assert fields[-2].text == f"v{MAX_FIELDS - 2}"
    rest = fields[-1].text.split("\n")
    assert rest[0] == f"k: v{MAX_FIELDS - 1}" and rest[-1] == f"k: v{MAX_FIELDS + 49}"


def test_a_value_nested_past_the_bound_is_one_field() -> None:
    deep: object = {"leaf": "Please send it", "n": 1}
    for _ in range(MAX_DEPTH + 5):
        deep = {"d": deep}
    fields = parse(json.dumps(deep)).fields
    assert len(fields) == 1
    assert fields[0].path == REST  # its place is unknown: readers must not guess it
    assert fields[0].text.endswith("leaf: Please send it\nn: 1")


def test_json_cut_short_is_bounded_too() -> None:
    deep = parse("[" * 100_000 + '"x"')
    assert len(deep.fields) == 1 and deep.fields[0].text.endswith('"x"')
    wide = parse("[" + "1, " * (MAX_FIELDS * 2))
    assert len(wide.fields) == MAX_FIELDS
    assert wide.fields[-2] == Field(f"$[{MAX_FIELDS - 2}]", MAX_FIELDS - 2, None, "1")


def test_nesting_too_deep_to_decode_is_prose() -> None:
    assert parse("[" * 100_000 + "]" * 100_000).format == "prose"
    assert parse("- " * 50_000 + "x").format in ("prose", "yaml")  # and no crash


def test_odd_input_never_raises() -> None:
    rng = random.Random(7)
    alphabet = '{}[]",:-#&*!|>\n\t \\/abcXYZ019.\x00\ud800'
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        found = parse(text)
        assert found.fields and len(found.fields) <= MAX_FIELDS


# -- key names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("External_Ignore", ("External", "Ignore")),
        ("ignoreAllPrevious", ("ignore", "All", "Previous")),
        ("new-bank-account", ("new", "bank", "account")),
        ("HTTPServerURL", ("HTTP", "Server", "URL")),
        ("v2Name", ("v", "2", "Name")),
        ("größeÄnderung", ("größe", "Änderung")),
        ("__x__", ("x",)),
        ("", ()),
    ],
)
def test_words_of_key(key: str, words: tuple[str, ...]) -> None:
    assert words_of_key(key) == words
