"""Finding: one piece of evidence a layer adds about a signal."""

from __future__ import annotations

import enum

import msgspec

from immuno.core.action import Action

_SEVERITIES = ("info", "low", "medium", "high", "critical")


class Severity(enum.StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITIES.index(self.value)


class Span(msgspec.Struct, frozen=True):
    """Half-open character range ``[start, end)`` in the original text of the finding's
    part (the content, or one argument), never in a concatenation of parts."""

    start: int
    end: int


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """Evidence from one layer.

    ``score`` in [0, 1] is how sure the layer is that the signal is hostile; the
    pipeline compares the highest score with its thresholds. ``action`` is set only by
    layers that decide outright (a policy deny is a block whatever the score); a
    finding that names its action is decided by it, not by its score. ``part`` names
    the part of the signal the evidence is in (``content``, ``args.body``,
    ``args.to[1]``; see ``Signal.parts``), or is None when it is about the whole signal.
    """

    layer: str
    code: str
    severity: Severity
    score: float
    message: str
    span: Span | None = None
    evidence: str | None = None
    action: Action | None = None
    ref: str | None = None  # an id the finding points at: approval, incident, vaccine
    part: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"Finding.score must be in [0, 1], got {self.score!r}")
