"""Excise, don't amputate: find the injected spans of a stopped tool output.

When detection would stop a whole tool result, the legitimate rest of it (the other
emails in an inbox, the rows of a table) is lost with the injection. Where the
evidence sits in identifiable sentences, those can be cut out instead:

1. the text is cut into segments at line breaks and sentence ends (offsets kept);
2. each segment is scanned alone; a segment whose own evidence reaches the flag
   threshold is injected, and so is the rest of the value it is in: the rest of its
   line, and the lines after that continue it (as deep or deeper, not blank, not a
   record of their own: a YAML block's other lines, a wrapped paragraph);
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


# a line that starts a record of its own: "From: ...", "subject: ...", "- item"
_RECORD = re.compile(r"[ \t]*(?:[-*\u2022][ \t]|[\w][\w .'/-]{0,30}:(?:[ \t]|$))")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _field_end(text: str, start: int, end: int) -> int:
    """Where the value holding ``text[start:end]`` ends: the end of its line, and of
    the lines after it that continue it (indented at least as deep, not blank, not a
    record of their own: the rest of a YAML block or of a wrapped paragraph)."""
    line_start = text.rfind("\n", 0, start) + 1
    depth = _indent(text[line_start:start] + "x")
    covered = _line_end(text, end)
    while covered < len(text):
        following = _line_end(text, covered + 1)
        line = text[covered + 1 : following]
        if not line.strip() or _indent(line) < depth or _RECORD.match(line):
            break
        covered = following
    return covered


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
        covered = _field_end(text, start, end)
        cuts.append((Span(start, covered), score))
    if not cuts:
        return None
    if evidence(excise(text, [span for span, _ in cuts])) >= flag:
        return None  # evidence remains outside the cut: stop the whole output
    return cuts
