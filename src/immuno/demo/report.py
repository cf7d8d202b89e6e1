"""Run every attack twice, unprotected and through immuno, and tabulate the outcomes."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from immuno.core.finding import Finding
from immuno.core.pipeline import Immune
from immuno.core.verdict import Verdict
from immuno.demo.attacks import ATTACKS, Attack, Outcome
from immuno.demo.world import Network

NOT_DEFENDED = "not yet defended"


@dataclass(frozen=True)
class Row:
    attack: Attack
    unprotected: Outcome
    protected: Outcome
    stopped_by: str
    detect_score: float  # the highest score detection gave anything in the attack
    checks: int
    median_us: float


def _decisive(verdict: Verdict) -> Finding | None:
    """The finding that made the verdict stop the signal."""
    if not verdict.findings:
        return None
    return max(verdict.findings, key=lambda f: (f.action.rank if f.action else -1, f.score))


def _stopped_by(net: Network, outcome: Outcome) -> str:
    if outcome.compromised:
        return NOT_DEFENDED
    layers: list[str] = []
    for verdict in net.stopped:
        finding = _decisive(verdict)
        label = f"{finding.layer} ({finding.code})" if finding else verdict.action.value
        if label not in layers:
            layers.append(label)
    return ", ".join(layers) if layers else "-"


def _detect_score(net: Network) -> float:
    """What detection alone made of the attack: its highest score on any signal, so the
    table shows an attack that slipped past detection and was stopped by another layer."""
    scores = [f.score for v in net.verdicts for f in v.findings if f.layer == "detect"]
    return max(scores, default=0.0)


def run_attack(attack: Attack, immune_factory: Callable[[], Immune]) -> Row:
    unprotected = attack.run(Network())
    immune = immune_factory()
    net = Network(immune=immune)
    protected = attack.run(net)
    latencies = [v.latency_us for v in net.verdicts]
    return Row(
        attack=attack,
        unprotected=unprotected,
        protected=protected,
        stopped_by=_stopped_by(net, protected),
        detect_score=_detect_score(net),
        checks=len(latencies),
        median_us=statistics.median(latencies) if latencies else 0.0,
    )


def run_all(immune_factory: Callable[[], Immune]) -> list[Row]:
    return [run_attack(attack, immune_factory) for attack in ATTACKS]
