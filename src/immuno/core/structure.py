"""A tool output read as records and fields: JSON, JSON lines, YAML, CSV or prose.

Tool outputs reach an agent as JSON, YAML, CSV, HTML or prose, and what they say is
in their string values, not in the quotes, braces and escapes around them: inside a
JSON string an escaped line break (``first:\\nPlease``) glues two sentences and hides
the word that starts the second. :func:`parse` reads a text into a flat tuple of
:class:`Field`, each a string leaf **unescaped** (JSON and YAML strings decoded),
with where it sits:

``path``
    ``$`` the whole text, ``$.body``, ``$[2].body``, ``$["odd key"]``; a CSV cell is
    ``$[3].amount`` (row 3 of the data, column ``amount``), or ``$[3][1]`` without a
    header row; a YAML comment is ``#``;
``record``
    the index of the top-level record the field belongs to: an item of a top-level
    list, a line of JSON lines, a YAML document of several, a CSV row (``None`` for a
    top-level mapping or a single value);
``key``
    the nearest mapping key (or CSV column) on the path, ``None`` if there is none;
``text``
    the value: a string as decoded, a number as written (``2450.50``, not
    ``2450.5``), ``true``/``false``, ``null``, and ``""`` for an empty list or mapping
    (its key may still say something).

What is read how:

- JSON (``msgspec``) when the text starts with ``{``, ``[`` or ``"``, and JSON lines
  when every line of two or more is a JSON value. A mapping that names a key twice is
  read again with the standard library, pair by pair, so no value is dropped. JSON
  cut short (a tool's output truncated to a size) is read token by token up to where
  it stops, with the paths it would have had; other malformed JSON is prose (a text
  that starts with ``{`` or ``[`` is not tried as YAML).
- YAML (PyYAML's parser, event by event, in C when libyaml is there) when a line in
  the first ten looks like ``key: value``, ``- item`` or ``---`` and the text reads as
  a mapping or a list. Every scalar is kept as written (no type guessing). Anchors,
  aliases (the "billion laughs") and explicit tags make it prose. Comments, which
  YAML drops, are fields of their own: an agent reads them.
- CSV (``csv``) when three or more rows split into the same number of columns, two or
  more, by ``,``, tab, ``;`` or ``|`` (for two columns: five rows, of cells no longer
  than 60 characters, so that lines of prose with a comma each are not taken for a
  table). The first row names the columns when its cells are distinct, non-empty and
  not numbers.
- HTML (the text starts with ``<``): one field, the whole text, for
  ``core/hidden.py``. Anything else is prose, one field.

Bounded: at most :data:`MAX_FIELDS` fields (the rest of the values, keys included,
become one last field; of JSON cut short, the rest of the text) and
:data:`MAX_DEPTH` levels (a value nested deeper is one field of its keys and values,
one per line); JSON past :data:`MAX_CHARS` or YAML past :data:`MAX_YAML_CHARS`
characters is prose. Malformed input is prose; :func:`parse` never raises.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice

import msgspec
import yaml

from immuno.core.fields import (
    MAX_CHARS,
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_YAML_CHARS,
    REST,
    Field,
    Format,
    Structure,
    member,
)
from immuno.core.json_cut import read_cut

__all__ = [
    "MAX_DEPTH",
    "MAX_FIELDS",
    "MAX_YAML_CHARS",
    "REST",
    "Field",
    "Structure",
    "parse",
    "words_of_key",
]

_CSV_ROWS = 3  # at least, header included
_CSV_NARROW_ROWS = 5  # at least, for a table of two columns ...
_CSV_NARROW_CELL = 60  # ... whose cells are no longer than this


class _Pairs(list[tuple[str, object]]):
    """A mapping as its pairs, in order, repeated keys and all."""


def parse(text: str, *, tables: bool = True) -> Structure:
    """``text`` as records and fields (see the module doc); never raises. Without
    ``tables``, CSV is not looked for (it stays prose)."""
    try:
        found = _parse(text, tables)
    except Exception:  # odd input of any kind is prose: the whole text, as it is
        found = None
    return found or _whole("prose", text)


def _whole(format: Format, text: str) -> Structure:
    return Structure(format, (Field("$", None, None, text),))


def _parse(text: str, tables: bool) -> Structure | None:
    head = text.lstrip()[:1]
    if not head:
        return None
    if head == "<":
        return _whole("html", text)
    if len(text) > MAX_CHARS:
        return None
    if head in "{[":
        return _json(text)  # not YAML's flow style: JSON that fails is cut short or odd
    if head == '"':
        found = _json(text)
        if found is not None:
            return found
    lines = text.split("\n", 10)[:10]
    if len(text) <= MAX_YAML_CHARS and any(_YAML_LINE.match(line) for line in lines):
        found = _yaml(text)
        if found is not None:
            return found
    return _csv(text) if tables else None


# -- JSON ------------------------------------------------------------------------------

_DECODER = msgspec.json.Decoder(float_hook=Decimal)  # a number keeps its digits
_KEY_COLON = re.compile(r'"\s*:')


def _json(text: str, whole: bool = True) -> Structure | None:
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        return None
    except msgspec.DecodeError as error:
        if not whole:
            return None
        return read_cut(text) if "truncated" in str(error) else _json_lines(text)
    # a key named twice keeps only its last value in a dict: count the keys read
    # against the places a key may stand, and read pair by pair when they differ
    if _KEY_COLON.search(text) and _keys(value) != len(_KEY_COLON.findall(text)):
        value = json.loads(text, object_pairs_hook=_Pairs, parse_float=Decimal)
    if isinstance(value, list) and not isinstance(value, _Pairs):
        return Structure("json", _fields((f"$[{i}]", i, None, v) for i, v in enumerate(value)))
    return Structure("json", _fields([("$", None, None, value)]))


def _json_lines(text: str) -> Structure | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or any(line.lstrip()[:1] not in '{["' for line in lines):
        return None
    values = []
    for line in lines:
        single = _json(line, whole=False)
        if single is None:
            return None
        values.append(single)
    fields: list[Field] = []
    for record, single in enumerate(values):
        for field in single.fields:
            path = f"$[{record}]" + field.path[1:]
            fields.append(Field(path, record, field.key, field.text))
    return Structure("jsonl", _bounded(fields))


def _keys(value: object) -> int:
    """How many keys the mappings in ``value`` hold (without recursion)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


# -- YAML ------------------------------------------------------------------------------

# a line "key: value", "- item" or "---"
_YAML_LINE = re.compile(r"---|[ \t]*-[ \t]|[ \t]*[^\s#:\-][^:\n]{0,80}:(?:[ \t]|$)")
# a comment: "#" at the start of a line or after a space (also inside a quoted string:
# reading too much is harmless, a comment left out is not)
_COMMENT = re.compile(r"(?m)(?:^|[ \t])#(.*)$")
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _yaml(text: str) -> Structure | None:
    documents = _yaml_documents(text)
    if not documents or any(isinstance(d, str) for d in documents):
        return None  # nothing, or a single value: prose that happens to parse
    comments = [Field("#", None, None, c.strip()) for c in _COMMENT.findall(text) if c.strip()]
    starts: list[tuple[str, int | None, str | None, object]]
    if len(documents) > 1:
        starts = [(f"$[{i}]", i, None, d) for i, d in enumerate(documents)]
    elif isinstance(documents[0], _Pairs):
        starts = [("$", None, None, documents[0])]
    else:
        starts = [(f"$[{i}]", i, None, v) for i, v in enumerate(_items(documents[0]))]
    return Structure("yaml", _fields(starts, comments))


def _yaml_documents(text: str) -> list[object] | None:
    """The documents of ``text``, built from the parser's events (lists, :class:`_Pairs`
    and strings), or None for anchors, aliases, tags, directives and errors."""
    documents: list[object] = []
    stack: list[_Pairs | list[object]] = []  # the open lists and mappings
    key: str | None = None  # the key of the innermost open mapping, awaiting its value
    loader = _LOADER(text)
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent or kind in _STARTS:
                if event.anchor is not None or event.tag is not None:
                    return None  # an anchor (for an alias: a "billion laughs") or a tag
            elif kind in _ENDS:
                stack.pop()
                key = None
                continue
            elif kind is yaml.DocumentStartEvent:
                if event.version or event.tags:
                    return None
                continue
            elif kind is yaml.StreamEndEvent:
                return documents
            elif kind is yaml.AliasEvent:
                return None
            else:
                continue
            top = stack[-1] if stack else None
            if key is None and isinstance(top, _Pairs):
                if kind is not yaml.ScalarEvent:
                    return None  # a list or a mapping as a key
                key = event.value
                continue
            value: _Pairs | list[object] | str
            if kind is yaml.ScalarEvent:
                value = event.value
            else:
                value = _Pairs() if kind is yaml.MappingStartEvent else []
                if len(stack) >= MAX_DEPTH * 4:
                    return None  # deeper than any tool output: odd
            if top is None:
                documents.append(value)
            elif isinstance(top, _Pairs):
                assert key is not None
                top.append((key, value))
                key = None
            else:
                top.append(value)
            if not isinstance(value, str):
                stack.append(value)
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _items(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


# -- CSV -------------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?[\d.,\s%$€£]+")


def _csv(text: str) -> Structure | None:
    first = text.lstrip().split("\n", 1)
    if len(first) < 2:
        return None
    for delimiter in (",", "\t", ";", "|"):
        if delimiter not in first[0]:
            continue
        rows = _rows(text, delimiter)
        if rows is not None:
            return Structure("csv", _table(rows))
    return None


def _rows(text: str, delimiter: str) -> list[list[str]] | None:
    def read() -> Iterator[list[str]]:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
        return (row for row in reader if row)

    try:
        sample = list(islice(read(), _CSV_NARROW_ROWS))
        width = len(sample[0]) if sample else 0
        if width < 2 or any(len(row) != width for row in sample):
            return None
        if len(sample) < (_CSV_ROWS if width > 2 else _CSV_NARROW_ROWS):
            return None
        if width == 2 and any(len(cell) > _CSV_NARROW_CELL for row in sample for cell in row):
            return None  # prose with a comma a line
        rows = list(read())
    except csv.Error:
        return None
    return rows if all(len(row) == width for row in rows) else None


def _table(rows: list[list[str]]) -> tuple[Field, ...]:
    header = rows[0]
    named = len(set(header)) == len(header) and all(
        cell.strip() and not _NUMBER.fullmatch(cell) for cell in header
    )
    names = [cell.strip() for cell in header] if named else None
    fields: list[Field] = []
    for record, row in enumerate(rows[1:] if named else rows):
        for column, cell in enumerate(row):
            key = names[column] if names else None
            path = f"$[{record}]" + (member(key) if key is not None else f"[{column}]")
            fields.append(Field(path, record, key, cell))
    return _bounded(fields)


# -- values to fields -------------------------------------------------------------------

_Item = tuple[object, str, int | None, str | None, int]  # value, path, record, key, depth


def _fields(
    starts: Iterable[tuple[str, int | None, str | None, object]], extra: Sequence[Field] = ()
) -> tuple[Field, ...]:
    """The leaves of each start value in document order, then ``extra``: at most
    MAX_FIELDS, the rest one last field."""
    fields: list[Field] = []
    limit = MAX_FIELDS - len(extra)
    # per level of nesting, what is left of it: (value, path, key, record) each
    levels: list[Iterator[tuple[object, str, str | None, int | None]]] = [
        iter([(v, path, key, record) for path, record, key, v in starts])
    ]
    while levels:
        for value, path, key, record in levels[-1]:
            if len(fields) >= limit - 1:
                rest = [(value, key)] + [(v, k) for level in levels[::-1] for v, _, k, _ in level]
                text = "\n".join(line for v, k in rest for line in _lines(v, k))
                fields.append(Field(REST, None, None, text))
                levels.clear()
                break
            kind = type(value)
            if isinstance(value, str):
                fields.append(Field(path, record, key, value))
            elif not (kind is dict or kind is list or kind is _Pairs) or not value:
                fields.append(Field(path, record, key, _scalar(value)))
            elif len(levels) > MAX_DEPTH:
                fields.append(Field(REST, record, key, "\n".join(_lines(value, None))))
            else:
                levels.append(_children(value, path, key, record))
                break
        else:
            levels.pop()
    return (*fields, *extra[: MAX_FIELDS - len(fields)])


def _children(
    value: object, path: str, key: str | None, record: int | None
) -> Iterator[tuple[object, str, str | None, int | None]]:
    if isinstance(value, dict):
        return ((v, path + member(k), k, record) for k, v in value.items())
    if isinstance(value, _Pairs):
        return ((v, path + member(k), k, record) for k, v in value)
    assert isinstance(value, list)
    return ((v, f"{path}[{i}]", key, record) for i, v in enumerate(value))


def _bounded(fields: list[Field]) -> tuple[Field, ...]:
    """At most MAX_FIELDS: the rest one last field, a line per value."""
    if len(fields) <= MAX_FIELDS:
        return tuple(fields)
    rest = fields[MAX_FIELDS - 1 :]
    lines = (f"{f.key}: {f.text}" if f.key else f.text for f in rest)
    return (*fields[: MAX_FIELDS - 1], Field(REST, None, None, "\n".join(lines)))


def _lines(value: object, key: str | None) -> Iterator[str]:
    """A value as prose, a line per leaf (``key: text``), without recursion."""
    stack: list[tuple[object, str | None]] = [(value, key)]
    while stack:
        item, name = stack.pop()
        if isinstance(item, dict | list) and item:
            if name is not None:
                yield f"{name}:"
            if isinstance(item, dict | _Pairs):
                pairs = item.items() if isinstance(item, dict) else item
                stack.extend((v, k) for k, v in reversed(list(pairs)))
            else:
                stack.extend((v, None) for v in reversed(item))
        else:
            text = _scalar(item)
            yield f"{name}: {text}" if name is not None else text


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return ""  # empty
    return str(value)  # an int, a Decimal (its digits as written)


# -- key names -------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def words_of_key(key: str) -> tuple[str, ...]:
    """The words a key name joins, case as written: ``External_Ignore``,
    ``ignore-all``, ``ignoreAllPrevious``; ``HTTPServerURL`` gives ``HTTP``,
    ``Server``, ``URL``, and digits are words of their own (``v2Name``: ``v``, ``2``,
    ``Name``)."""
    words: list[str] = []
    for part in _NOT_WORD.split(key):
        start = 0
        for i in range(1, len(part)):
            before, char = part[i - 1], part[i]
            after = part[i + 1 : i + 2]
            if (
                (before.islower() and char.isupper())
                or (before.isupper() and char.isupper() and after.islower())
                or (before.isdigit() != char.isdigit())
            ):
                words.append(part[start:i])
                start = i
        if part:
            words.append(part[start:])
    return tuple(words)
