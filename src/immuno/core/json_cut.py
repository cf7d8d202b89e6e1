"""JSON cut short (a tool's output truncated to a size), read token by token up to
where it stops, into the fields a whole text would have given."""

from __future__ import annotations

import json
import re

import msgspec

from immuno.core.fields import MAX_DEPTH, MAX_FIELDS, REST, Field, Structure, member

_STRING = msgspec.json.Decoder(str)

# the tokens of JSON, for a text cut short: a string (a key when a colon follows), a
# string the cut left open, a number or literal, a bracket
_TOKEN = re.compile(
    r'"([^"\\]*(?:\\.[^"\\]*)*)"(\s*:)?|"([^"\\]*(?:\\.[^"\\]*)*\\?)\Z'
    r"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)|([\[\]{}])"
)


def read_cut(text: str) -> Structure | None:
    """JSON cut short (a tool's output truncated to a size): read token by token up to
    where it stops, with the paths, records and keys a whole text would have given."""
    fields: list[Field] = []
    # per open bracket: its path, its count of items so far (a list) or None (a
    # mapping), and the nearest key
    stack: list[tuple[str, list[int] | None, str | None]] = []
    key: str | None = None  # in a mapping: the key read, awaiting its value
    for match in _TOKEN.finditer(text):
        if len(fields) >= MAX_FIELDS - 1 or len(stack) > MAX_DEPTH:
            fields.append(Field(REST, None, None, text[match.start() :]))
            break  # the rest, as it is
        string, colon, open_string, literal, bracket = match.groups()
        top = stack[-1] if stack else None
        if string is not None and colon and top is not None and top[1] is None:
            key = _unescape(string)
            continue
        if bracket in ("]", "}"):
            if stack:
                stack.pop()
            key = None
            continue
        if top is None:
            path, near = "$", None
        elif top[1] is None:
            path, near = top[0] + (member(key) if key is not None else ""), key
        else:
            path, near = f"{top[0]}[{top[1][0]}]", top[2]
            top[1][0] += 1
        key = None
        root = stack[0][1] if stack else None
        record = root[0] - 1 if root is not None else None
        if bracket is not None:
            stack.append((path, [0] if bracket == "[" else None, near))
            continue
        value = string if string is not None else open_string
        fields.append(Field(path, record, near, _unescape(value) if value is not None else literal))
    return Structure("json", tuple(fields)) if fields else None


def _unescape(string: str) -> str:
    """A JSON string's content decoded; one cut inside an escape loses that escape."""
    if "\\" not in string:
        return string
    try:  # the common case, whole: msgspec decodes what json does, several times faster
        return _STRING.decode(f'"{string}"'.encode())
    except (msgspec.DecodeError, UnicodeEncodeError):
        pass  # cut inside an escape, or odd: as before, escape by escape
    for end in range(len(string), max(len(string) - 6, 0) - 1, -1):
        try:
            decoded = json.loads(f'"{string[:end]}"')
        except ValueError:
            continue
        return decoded if isinstance(decoded, str) else string
    return string
