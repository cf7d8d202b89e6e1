"""Immune memory and response: threat store, correlation, health ladder, circuit
breaker, snapshots. Component ``response`` (order 900): a Layer and an Observer; and
``outcomes`` (950): the ledger of stopped signals and operator outcomes behind the
autoimmunity rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.response.correlate import Correlator, Incident
from immuno.response.engine import ResponseEngine
from immuno.response.fingerprint import content_hash, fingerprint
from immuno.response.ladder import AgentState, Health, Ladder, Transition
from immuno.response.outcomes import OutcomeLedger
from immuno.response.snapshots import Snapshot, restore, snapshot

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "AgentState",
    "Correlator",
    "Health",
    "Incident",
    "Ladder",
    "OutcomeLedger",
    "ResponseEngine",
    "Snapshot",
    "Transition",
    "content_hash",
    "fingerprint",
    "restore",
    "snapshot",
]


def _build(immune: Immune) -> ResponseEngine | None:
    config = immune.config.response
    if not config.enabled:
        return None
    return ResponseEngine(config, lambda: immune.store, immune.clock, lambda: immune.shared)


register_component("response", 900, _build)


def _ledger(immune: Immune) -> OutcomeLedger:
    # Always on: the autoimmunity rate is measured beside the detection rate, always.
    return OutcomeLedger(lambda: immune.store, immune.config.thresholds, immune.clock)


register_component("outcomes", 950, _ledger)
