"""Every match of an RE2 pattern in a text, as character offsets, at the cost of the
matching alone.

``re2``'s ``finditer`` on a ``str`` encodes the text to UTF-8, matches the bytes and
converts each match's byte offsets back to characters in Python, which costs several
times the match itself. ``Encoded`` encodes a text once, matches its UTF-8 bytes with
the same patterns (so it finds exactly what ``finditer`` finds) and converts all the
offsets of a pattern at once. On bytes, each hit is read from the binding's own
matcher (``byte_spans``), without the match object ``finditer`` builds for it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import re2

_UNANCHORED = re2._Anchor.UNANCHORED
_NO_MATCH = (-1, -1)


def byte_spans(pattern: re2._Regexp, data: bytes) -> list[tuple[int, int]]:
    """``[m.span() for m in pattern.finditer(data)]``: the searches ``finditer`` runs,
    each resumed where the one before ended (past an empty match, one byte on)."""
    matcher = getattr(getattr(pattern, "_regexp", None), "Match", None)
    if matcher is None:  # a binding without it: its public API, at its own cost
        return [m.span() for m in pattern.finditer(data)]
    found: list[tuple[int, int]] = []
    start, end = 0, len(data)
    while True:
        span = matcher(_UNANCHORED, data, start, end)[0]
        if span == _NO_MATCH:
            return found
        found.append(span)
        if start == end:
            return found
        start = start + 1 if span[1] == start else span[1]


def byte_search(pattern: re2._Regexp, data: bytes) -> bool:
    """Whether ``pattern`` matches anywhere in ``data`` (``pattern.search(data)``)."""
    matcher = getattr(getattr(pattern, "_regexp", None), "Match", None)
    if matcher is None:
        return pattern.search(data) is not None
    return bool(matcher(_UNANCHORED, data, 0, len(data))[0] != _NO_MATCH)


class Encoded:
    """A text and its UTF-8 form, for matching several patterns against it."""

    __slots__ = ("_follow", "data", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8")  # raises on lone surrogates, as finditer does
        self._follow: npt.NDArray[np.intp] | None = None

    def has(self, pattern: re2._Regexp) -> bool:
        """``pattern.search(text) is not None``, without encoding the text again."""
        return byte_search(pattern, self.data)

    def spans(self, pattern: re2._Regexp) -> list[tuple[int, int]]:
        """``[m.span() for m in pattern.finditer(text)]``, for a pattern that cannot
        match the empty string (``finditer`` steps over an empty match by one
        character on a ``str`` and by one byte on ``bytes``)."""
        found = byte_spans(pattern, self.data)
        if not found or len(self.data) == len(self.text):
            return found
        if self._follow is None:
            # Where the bytes that continue a character are (few in mostly-Latin text).
            data = np.frombuffer(self.data, dtype=np.uint8)
            self._follow = ((data & 0xC0) == 0x80).nonzero()[0]
        # A byte offset less the continuation bytes before it: the characters before it.
        at = np.array(found, dtype=np.intp)
        at -= self._follow.searchsorted(at)
        return [(start, end) for start, end in at.tolist()]


def spans(pattern: re2._Regexp, text: str) -> list[tuple[int, int]]:
    """``[m.span() for m in pattern.finditer(text)]`` (see ``Encoded.spans``)."""
    return Encoded(text).spans(pattern)
