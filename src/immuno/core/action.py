"""Action: what the caller may do with a signal, ordered from mildest to strictest."""

from __future__ import annotations

import enum

_ORDER = ("allow", "flag", "excise", "hold", "quarantine", "block")


class Action(enum.StrEnum):
    ALLOW = "allow"  # deliver / execute
    FLAG = "flag"  # deliver, but record and watch
    EXCISE = "excise"  # deliver the content with the marked spans cut out (Verdict.sanitized)
    HOLD = "hold"  # wait for an approval
    QUARANTINE = "quarantine"  # keep it aside, never deliver silently
    BLOCK = "block"  # refuse

    @property
    def rank(self) -> int:
        return _ORDER.index(self.value)

    def __or__(self, other: object) -> Action:
        """The stricter of two actions."""
        if not isinstance(other, Action):
            return NotImplemented
        return self if self.rank >= other.rank else other

    @property
    def stops(self) -> bool:
        """True when the signal must not be delivered or executed now."""
        return self.rank >= _ORDER.index("hold")
