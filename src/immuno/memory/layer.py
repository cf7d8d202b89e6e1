"""The memory gate in the pipeline: writes from listed provenances are quarantined."""

from __future__ import annotations

from collections.abc import Sequence

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Signal, SignalKind


class MemoryGate:
    name = "memory"
    judges = frozenset({SignalKind.MEMORY_WRITE})

    def __init__(self, quarantine: Sequence[str]) -> None:
        self.quarantine = frozenset(quarantine)

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        if signal.kind is not SignalKind.MEMORY_WRITE:
            return []
        if signal.provenance.value not in self.quarantine:
            return []
        return [
            Finding(
                layer=self.name,
                code="memory.untrusted_write",
                severity=Severity.INFO,
                score=0.0,
                message=f"a write of {signal.provenance.value} provenance waits in "
                "quarantine until an operator commits it",
                action=Action.QUARANTINE,
            )
        ]
