"""Text normalisation: undo the tricks that hide an instruction from a matcher.

Unicode NFKC (full-width and styled letters to plain ones), zero-width and bidi
controls removed, Unicode tag characters (U+E0020-E007E, "ASCII smuggling") turned
back into the ASCII they hide. ASCII text is returned as is, which is the common case
and costs nothing. Positions in the normalised text map back to the original lazily,
only when a finding needs a span.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

from immuno.core.finding import Span

# Characters that render as nothing (zero-width, joiners, bidi controls, variation
# selectors, soft hyphen ...): removed. Ranges keep the regex engine on its fast path.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u3164\ufeff\uffa0"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f]+"
)
# Unicode tags (U+E0000-E007F) mirror ASCII invisibly ("ASCII smuggling"): revealed.
TAG_CHARACTERS = re.compile("[\U000e0000-\U000e007f]+")


def _reveal(match: re.Match[str]) -> str:
    return "".join(chr(ord(c) - 0xE0000) for c in match.group() if 0xE0020 <= ord(c) < 0xE007F)


def _fold(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    if TAG_CHARACTERS.search(text) is not None:
        text = TAG_CHARACTERS.sub(_reveal, text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


class Normalized:
    """A text and its normalised form, with a map from one to the other."""

    __slots__ = ("__dict__", "changed", "original", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = original if original.isascii() else _fold(original)
        self.changed = self.text is not original

    @cached_property
    def _starts(self) -> list[int]:
        """For each normalised position, the original position it came from."""
        starts: list[int] = []
        for index, char in enumerate(self.original):
            piece = _fold(char)
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
