"""The identity layer (order 100): who really sent this, and is it still itself?

Messages. A MESSAGE whose ``peer`` is a registered agent must carry an envelope that
verifies (:func:`verify_envelope`) and matches the signal: sender = peer, recipient =
agent, kind and body = the signal's. An unsigned message claiming a registered sender
is a block. A peer that is not registered:

* with ``provenance: internal`` it claims to be an agent of this network: refused
  (``identity.unknown_sender``) when ``require_signed`` (the default), flagged otherwise;
* with other provenance it is an outside party (a user, a web hook) and claims no
  agent identity: no identity finding (policy and detect still judge its content).

Any signal that carries an envelope has it verified, whatever its kind.

Behaviour. Every signal of an agent feeds its drift monitor (never-seen actions, window
divergence, CUSUMs of per-step surprise, a test for a new habit of transitions; see
:mod:`immuno.identity.drift`); an alarm is a block (``identity.drift``). As an Observer
the layer learns only from signals that were allowed outright, and an alarm retracts
the window that raised it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.identity.drift import DriftMonitor
from immuno.identity.errors import EnvelopeRejected
from immuno.identity.registry import Registry
from immuno.identity.verify import EnvelopeVerifier


def _block(code: str, message: str) -> Finding:
    return Finding(
        layer="identity",
        code=f"identity.{code}",
        severity=Severity.CRITICAL,
        score=1.0,
        message=message,
        action=Action.BLOCK,
    )


class IdentityLayer:
    name = "identity"
    judges = frozenset({SignalKind.MESSAGE})  # who sent it

    def __init__(
        self,
        registry: Registry,
        verifier: EnvelopeVerifier,
        drift: DriftMonitor | None = None,
        *,
        require_signed: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock  # envelope times are judged by our clock, never the signal's
        self.registry = registry
        self.verifier = verifier
        self.drift = drift
        self.require_signed = require_signed

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        findings: list[Finding] = []
        if signal.envelope is not None or (signal.peer and signal.kind == "message"):
            finding = self._check_sender(signal)
            if finding is not None:
                findings.append(finding)
        if self.drift is not None:
            drift = self.drift.score(signal)
            if drift is not None and drift.alarm:
                findings.append(
                    Finding(
                        layer=self.name,
                        code="identity.drift",
                        severity=Severity.HIGH,
                        score=1.0,
                        message=(
                            f"{signal.agent} no longer behaves like itself: divergence "
                            f"{drift.raw:.2f} bits ({drift.z:.1f} sd above its usual), "
                            f"{drift.novel} never-seen actions in its last "
                            f"{self.drift.settings.window} signals, surprise at "
                            f"{drift.cusum:.0%} of its alarm level, {drift.habit:.1f} bits "
                            "of evidence of a new habit"
                        ),
                        action=Action.BLOCK,
                    )
                )
        return findings

    def _check_sender(self, signal: Signal) -> Finding | None:
        peer = signal.peer
        if signal.envelope is None:
            assert peer is not None
            if self.registry.status(peer) is not None:
                return _block("unsigned", f"unsigned message claims to come from {peer!r}")
            if signal.provenance is Provenance.INTERNAL:
                if self.require_signed:
                    return _block("unknown_sender", f"{peer!r} is not a registered agent")
                return Finding(
                    layer=self.name,
                    code="identity.unverified_peer",
                    severity=Severity.MEDIUM,
                    score=0.5,
                    message=f"{peer!r} is not a registered agent; the message is unsigned",
                )
            return None
        envelope = signal.envelope
        sender = envelope.get("sender")
        if peer is not None and sender != peer:
            return _block("sender_mismatch", f"signed by {sender!r}, claims to be from {peer!r}")
        if envelope.get("kind") != signal.kind.value:
            return _block("kind_mismatch", f"signed as {envelope.get('kind')!r}")
        if envelope.get("body") != signal.content:
            return _block("body_mismatch", "the content is not what the sender signed")
        try:
            self.verifier.verify(envelope, recipient=signal.agent, now=self.clock())
        except EnvelopeRejected as exc:
            return _block(exc.code, exc.problem)
        return None

    def observe(self, signal: Signal, verdict: Verdict) -> None:
        if self.drift is not None and verdict.action is Action.ALLOW:
            self.drift.learn(signal)
