"""The findings the response engine adds to verdicts. Scores are 0: these findings
are about the agent's health, not about the content, so they decide by ``action``."""

from __future__ import annotations

import functools

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


@functools.lru_cache(maxsize=4096)
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


@functools.lru_cache(maxsize=4096)
def lockdown(reason: str) -> Finding:
    return _finding(
        "response.lockdown",
        Severity.CRITICAL,
        f"network-wide lockdown ({reason}); an operator must lift it",
        Action.BLOCK,
    )


@functools.lru_cache(maxsize=4096)
def locked(agent: str) -> Finding:
    return _finding(
        "response.locked",
        Severity.CRITICAL,
        f"agent {agent!r} is locked until an operator releases it",
        Action.BLOCK,
    )


@functools.lru_cache(maxsize=4096)
def quarantined_outbound(agent: str) -> Finding:
    return _finding(
        "response.quarantined",
        Severity.HIGH,
        f"agent {agent!r} is quarantined: its output is held, not delivered",
        Action.QUARANTINE,
    )


@functools.lru_cache(maxsize=4096)
def quarantined_inbound(agent: str) -> Finding:
    return _finding(
        "response.quarantined_inbound",
        Severity.LOW,
        f"delivered to quarantined agent {agent!r}",
        Action.FLAG,
    )


@functools.lru_cache(maxsize=4096)
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


@functools.lru_cache(maxsize=4096)
def exposed_flag(agent: str, exposed_by: str | None) -> Finding:
    return _finding(
        "response.exposed",
        Severity.LOW,
        f"agent {agent!r} is exposed to quarantined {exposed_by!r}",
        Action.FLAG,
    )


def replication(sender: str, source: str, spread: int, fans: bool = False) -> Finding:
    again = "; it keeps fanning it out" if fans else ""
    return _finding(
        "response.replication",
        Severity.MEDIUM if fans else Severity.LOW,
        f"agent {sender!r} re-emits what {source!r} sent it, a text that reached {spread} "
        f"agents: relayed content is held{again}",
        Action.QUARANTINE,
    )


def worm(relayers: tuple[str, ...]) -> Finding:
    return _finding(
        "response.worm",
        Severity.HIGH,
        f"this text replicates from agent to agent (relayed by {', '.join(relayers)}): "
        "every delivery of it is held",
        Action.QUARANTINE,
    )


def worm_origin(origin: str, relayers: tuple[str, ...]) -> Finding:
    return _finding(
        "response.worm_origin",
        Severity.MEDIUM,
        f"agent {origin!r} sent a text that its readers replicate "
        f"(relayed by {', '.join(relayers)})",
    )
