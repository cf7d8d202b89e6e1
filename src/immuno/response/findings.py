"""The findings the response engine adds to verdicts. Scores are 0: these findings
are about the agent's health, not about the content, so they decide by ``action``."""

from __future__ import annotations

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.response.ladder import AgentState, Health, Transition

LAYER = "response"
_SEVERITY_OF = {
    Health.HEALTHY: Severity.INFO,
    Health.WATCHED: Severity.LOW,
    Health.THROTTLED: Severity.MEDIUM,
    Health.QUARANTINED: Severity.HIGH,
    Health.LOCKED: Severity.CRITICAL,
}


def _finding(
    code: str,
    severity: Severity,
    message: str,
    action: Action | None = None,
    ref: str | None = None,
) -> Finding:
    return Finding(
        layer=LAYER,
        code=code,
        severity=severity,
        score=0.0,
        message=message,
        action=action,
        ref=ref,
    )


def transition(t: Transition, incident: str | None) -> Finding:
    return _finding(
        f"response.ladder.{t.after.value}",
        _SEVERITY_OF[t.after],
        f"agent {t.agent!r}: {t.before.value} -> {t.after.value} "
        f"(points {t.points:.2f}; {t.reason})",
        ref=incident,
    )


def known_payload(origin: str) -> Finding:
    return _finding(
        "response.known_payload",
        Severity.HIGH,
        f"payload already emitted by quarantined agent {origin!r}",
        Action.QUARANTINE,
    )


def exposure(agent: str, exposed: list[str]) -> Finding:
    return _finding(
        "response.exposure",
        Severity.MEDIUM,
        f"circuit breaker: {', '.join(exposed)} consumed output of {agent!r}; checked strictly",
    )


def lockdown(reason: str) -> Finding:
    return _finding(
        "response.lockdown",
        Severity.CRITICAL,
        f"network-wide lockdown ({reason}); an operator must lift it",
        Action.BLOCK,
    )


def locked(agent: str) -> Finding:
    return _finding(
        "response.locked",
        Severity.CRITICAL,
        f"agent {agent!r} is locked until an operator releases it",
        Action.BLOCK,
    )


def quarantined_outbound(agent: str) -> Finding:
    return _finding(
        "response.quarantined",
        Severity.HIGH,
        f"agent {agent!r} is quarantined: its output is held, not delivered",
        Action.QUARANTINE,
    )


def quarantined_inbound(agent: str) -> Finding:
    return _finding(
        "response.quarantined_inbound",
        Severity.LOW,
        f"delivered to quarantined agent {agent!r}",
        Action.FLAG,
    )


def throttled(agent: str, rate: int) -> Finding:
    return _finding(
        "response.throttled",
        Severity.MEDIUM,
        f"agent {agent!r} is throttled to {rate} signals a minute",
        Action.BLOCK,
    )


def exposed_hold(state: AgentState, signal_id: str) -> Finding:
    return _finding(
        "response.exposed_hold",
        Severity.MEDIUM,
        f"agent {state.agent!r} consumed output of quarantined {state.exposed_by!r}: "
        "sensitive action held for review",
        Action.HOLD,
        ref=f"exposure-{signal_id}",
    )


def exposed_flag(state: AgentState) -> Finding:
    return _finding(
        "response.exposed",
        Severity.LOW,
        f"agent {state.agent!r} is exposed to quarantined {state.exposed_by!r}",
        Action.FLAG,
    )
