"""Text rewriting that remembers where every output character came from.

Each normalisation step rewrites some ranges of its input. A ``Stage`` keeps those
edits, sorted, so a position in the output maps back to the input with one bisect;
chaining the stages maps a finding in the normalised text back to the original.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable


class Stage:
    """The edits one step made: ``(in_start, in_end, out_start, out_end)``, sorted."""

    __slots__ = ("_out_starts", "edits")

    def __init__(self, edits: list[tuple[int, int, int, int]]) -> None:
        self.edits = edits
        self._out_starts = [edit[2] for edit in edits]

    def back(self, pos: int) -> int:
        """Input position of the character at output position ``pos``."""
        i = bisect_right(self._out_starts, pos) - 1
        if i < 0:
            return pos
        in_start, in_end, _, out_end = self.edits[i]
        return in_start if pos < out_end else in_end + (pos - out_end)

    def back_end(self, pos: int) -> int:
        """Input position just after the character at output ``pos - 1``."""
        if pos <= 0:
            return 0
        i = bisect_right(self._out_starts, pos - 1) - 1
        if i < 0:
            return pos
        _, in_end, _, out_end = self.edits[i]
        return in_end if pos - 1 < out_end else in_end + (pos - out_end)


def apply(text: str, replacements: Iterable[tuple[int, int, str]]) -> tuple[str, Stage]:
    """Replace non-overlapping, sorted ``(start, end, new)`` ranges of ``text``."""
    pieces: list[str] = []
    edits: list[tuple[int, int, int, int]] = []
    cursor = out = 0
    for start, end, new in replacements:
        pieces.append(text[cursor:start])
        out += start - cursor
        pieces.append(new)
        edits.append((start, end, out, out + len(new)))
        out += len(new)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), Stage(edits)
