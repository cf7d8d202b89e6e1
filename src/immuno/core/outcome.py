"""Operator outcomes: an operator's judgement on a signal a layer stopped or held.

Every false positive is as costly as a miss, so the operator's verdict is kept: content
released from quarantine as benign, a held tool call approved. Each outcome is a false
positive of the layers whose own findings stopped the signal; per layer, confirmed
false positives over signals stopped or held is its live autoimmunity rate.
"""

from __future__ import annotations

import uuid

import msgspec

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict

FALSE_POSITIVE = "false_positive"


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """What an operator found: ``subject`` is what they acted on (a quarantine or
    approval id), ``layers`` the layers that stopped the signal, ``seq`` the audit
    entry once sealed."""

    kind: str
    signal_id: str
    subject: str
    agent: str
    layers: tuple[str, ...]
    by: str
    at: float
    seq: int | None = None


class LayerRate(msgspec.Struct, frozen=True):
    """One layer's autoimmunity: confirmed false positives over signals it stopped."""

    layer: str
    stopped: int
    false_positives: int

    @property
    def rate(self) -> float:
        return self.false_positives / self.stopped if self.stopped else 0.0


def outcome_record(outcome: Outcome) -> tuple[Signal, Verdict]:
    """The (signal, verdict) pair an outcome is sealed as in the audit log: a trusted
    operator message about the signal, allowed, whose one finding says what was found."""
    signal = Signal(
        kind=SignalKind.MESSAGE,
        agent=outcome.agent,
        peer=f"operator:{outcome.by}",
        args={
            "outcome": outcome.kind,
            "signal": outcome.signal_id,
            "subject": outcome.subject,
            "layers": list(outcome.layers),
        },
        provenance=Provenance.TRUSTED,
        id=f"outcome_{uuid.uuid4().hex}",
        at=outcome.at,
    )
    layers = ", ".join(outcome.layers)
    finding = Finding(
        layer="operator",
        code=f"operator.{outcome.kind}",
        severity=Severity.INFO,
        score=0.0,
        message=f"{outcome.by} found {outcome.subject} (signal {outcome.signal_id}) benign: "
        f"a false positive of {layers}",
        ref=outcome.signal_id,
    )
    verdict = Verdict(signal_id=signal.id, action=Action.ALLOW, score=0.0, findings=(finding,))
    return signal, verdict
