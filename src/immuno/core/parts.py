"""The parts of a signal a detector reads one by one: the content and every string leaf
of the (nested) call arguments, each named for where it sits.

    content              the signal's content
    args.body            a top-level argument
    args.recipients[1]   the second item of a list
    args.meta.note       a nested mapping
    args["a b"]          a key that is not a plain name (quoted as JSON)
    args.meta:keys       the keys of a mapping that are not plain names

Numbers, booleans and nulls carry no text and are skipped. Arguments are first
reduced to JSON-like builtins (``msgspec.to_builtins``: bytes become base64, dates
strings, structs and dataclasses mappings), so nothing an encoder would send goes
unread. Cost is bounded: past ``MAX_ARG_PARTS`` leaves, ``MAX_ARG_CHARS`` characters
or ``MAX_ARG_DEPTH`` levels the walk stops and ``Parts.problem`` says why, so the
reader can refuse what it did not read (fail closed) instead of passing it silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

MAX_ARG_PARTS = 256  # far above any real tool signature; each part costs a scan
MAX_ARG_CHARS = 256 * 1024  # about 100 ms of classifier time at its worst
MAX_ARG_DEPTH = 32
_PLAIN_KEY_MAX = 64  # longer keys are text, read like any other string
_SHOWN_KEY = 40  # characters of an odd key kept in a part's name


class Parts(msgspec.Struct, frozen=True):
    """``items`` are (name, text) pairs in reading order; ``problem`` is set when the
    arguments could not be read whole (too large, too deep, not encodable)."""

    items: list[tuple[str, str]]
    problem: str | None = None


class _Overflow(Exception):
    pass


def signal_parts(content: str, args: Mapping[str, Any]) -> Parts:
    items: list[tuple[str, str]] = [("content", content)] if content else []
    if not args:
        return Parts(items)
    try:
        plain = msgspec.to_builtins(args, str_keys=True)
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        return Parts(items, f"the arguments cannot be read as JSON ({exc})")
    walker = _Walker(items)
    try:
        walker.walk("args", plain, 0)
    except _Overflow as exc:
        return Parts(items, str(exc))
    return Parts(items)


class _Walker:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.leaves = 0
        self.chars = 0

    def add(self, name: str, text: str) -> None:
        self.leaves += 1
        self.chars += len(text)
        if self.leaves > MAX_ARG_PARTS:
            raise _Overflow(f"the arguments hold more than {MAX_ARG_PARTS} strings")
        if self.chars > MAX_ARG_CHARS:
            raise _Overflow(f"the arguments hold more than {MAX_ARG_CHARS} characters of text")
        self.items.append((name, text))

    def walk(self, path: str, value: object, depth: int) -> None:
        if depth > MAX_ARG_DEPTH:
            raise _Overflow(f"the arguments nest deeper than {MAX_ARG_DEPTH} levels")
        if isinstance(value, str):
            if value:
                self.add(path, value)
        elif isinstance(value, dict):
            odd: list[str] = []
            for key, item in value.items():
                if _is_plain(key):
                    self.walk(f"{path}.{key}", item, depth + 1)
                else:
                    odd.append(key)
                    self.walk(_quoted(path, key), item, depth + 1)
            if odd:  # a key is text too: an injection may hide in one
                self.add(f"{path}:keys", "\n".join(odd))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                self.walk(f"{path}[{index}]", item, depth + 1)
        # int, float, bool and None carry no text


def _is_plain(key: str) -> bool:
    # isidentifier is several times faster than a regular expression on the hot path
    return len(key) <= _PLAIN_KEY_MAX and key.isascii() and key.replace("-", "_").isidentifier()


def _quoted(path: str, key: str) -> str:
    shown = key if len(key) <= _SHOWN_KEY else key[:_SHOWN_KEY] + "..."
    return f"{path}[{json.dumps(shown, ensure_ascii=False)}]"
