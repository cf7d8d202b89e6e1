"""Excise, don't amputate: find the injected spans of a stopped tool output.

When detection would stop a whole tool result, the legitimate rest of it (the other
emails in an inbox, the rows of a table) is lost with the injection. Where the
evidence sits in identifiable sentences, those can be cut out instead:

1. the text is cut into segments at line breaks and sentence ends (offsets kept);
2. each segment is scanned alone; a segment whose own evidence reaches the flag
   threshold is injected, and so is the rest of its line after it (an instruction
   runs on to the end of its field or paragraph);
3. the remainder, with each cut marked, is scanned again as a whole: only when
   nothing in it reaches the flag threshold is the excision offered. Otherwise the
   whole output stops, as before (fail closed).

Evidence that no single segment carries (a classifier score on the whole text only,
an obfuscation spread over the page) cannot be excised: the output stops whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from immuno.core.finding import Span
from immuno.core.verdict import excise

# a segment ends at a line break, or after . ! ? followed by white space
_BOUNDARY = re.compile(r"\n+|(?<=[.!?])[ \t]+")
MIN_SEGMENTS = 2  # with one segment there is nothing to keep


def segments(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-blank segment, in order."""
    found: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if text[start : boundary.start()].strip():
            found.append((start, boundary.start()))
        start = boundary.end()
    if text[start:].strip():
        found.append((start, len(text)))
    return found


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def injected_spans(
    text: str, evidence: Callable[[str], float], flag: float
) -> list[tuple[Span, float]] | None:
    """The spans to cut from ``text``, each with the score of its evidence, or None
    when excision cannot help.

    ``evidence(piece)`` is the strongest score detection finds in ``piece`` alone; a
    piece at ``flag`` or above is injected. It is asked once per segment and once for
    the remainder."""
    parts = segments(text)
    if len(parts) < MIN_SEGMENTS:
        return None
    cuts: list[tuple[Span, float]] = []
    covered = -1
    for start, end in parts:
        if start < covered:
            continue
        score = evidence(text[start:end])
        if score < flag:
            continue
        covered = _line_end(text, end)
        cuts.append((Span(start, covered), score))
    if not cuts:
        return None
    if evidence(excise(text, [span for span, _ in cuts])) >= flag:
        return None  # evidence remains outside the cut: stop the whole output
    return cuts
