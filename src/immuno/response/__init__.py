"""Immune memory and response: threat store, correlation, health ladder, circuit
breaker, snapshots. One component, ``response`` (order 900): a Layer and an Observer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.response.correlate import Correlator, Incident
from immuno.response.engine import ResponseEngine
from immuno.response.fingerprint import content_hash, fingerprint
from immuno.response.ladder import AgentState, Health, Ladder, Transition
from immuno.response.snapshots import Snapshot, restore, snapshot

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "AgentState",
    "Correlator",
    "Health",
    "Incident",
    "Ladder",
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
    return ResponseEngine(config, lambda: immune.store, immune.clock)


register_component("response", 900, _build)
