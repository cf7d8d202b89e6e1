"""Text normalisation: undo the tricks that hide an instruction from a matcher.

Unicode NFKC (full-width and styled letters to plain ones), zero-width and bidi
controls removed, Unicode tag characters (U+E0020-E007E, "ASCII smuggling") turned
back into the ASCII they hide. ASCII text is returned as is, which is the common case
and costs nothing. Positions in the normalised text map back to the original lazily,
only when a finding needs a span.
"""

from __future__ import annotations

import unicodedata
from functools import cached_property

from immuno.core.finding import Span

_INVISIBLE = [
    *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0),
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
    *range(0xFE00, 0xFE10),  # variation selectors
    *(0xE0001, 0xE007F),  # tag language / cancel tag
]
_TABLE: dict[int, str | None] = dict.fromkeys(_INVISIBLE)
_TABLE.update({cp: chr(cp - 0xE0000) for cp in range(0xE0020, 0xE007F)})


class Normalized:
    """A text and its normalised form, with a map from one to the other."""

    __slots__ = ("__dict__", "changed", "original", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        if original.isascii():
            self.text = original
        else:
            self.text = unicodedata.normalize("NFKC", original.translate(_TABLE))
        self.changed = self.text is not original

    @cached_property
    def _starts(self) -> list[int]:
        """For each normalised position, the original position it came from."""
        starts: list[int] = []
        for index, char in enumerate(self.original):
            piece = unicodedata.normalize("NFKC", char.translate(_TABLE))
            starts.extend([index] * len(piece))
        return starts

    def span(self, start: int, end: int) -> Span:
        """The original-text span of normalised ``[start, end)``."""
        if not self.changed:
            return Span(start, end)
        starts = self._starts
        if not starts:
            return Span(0, 0)
        last = len(starts) - 1
        first = starts[min(start, last)]
        stop = starts[min(max(end - 1, start), last)] + 1
        return Span(first, max(stop, first))


def normalize(text: str) -> Normalized:
    return Normalized(text)
