"""Behavioural drift: tuned on seeds 0-199 (benchmarks/identity_drift.py); these
checks use separate seeds, so they test the tuned settings rather than repeat them."""

from __future__ import annotations

from immuno.core.action import Action
from immuno.core.pipeline import Immune
from immuno.core.signal import Signal, SignalKind
from immuno.identity import (
    DriftMonitor,
    DriftSettings,
    EnvelopeVerifier,
    IdentityLayer,
    MemoryReplayCache,
    Registry,
)
from immuno.identity.simulate import report, trace_scores
from immuno.store import SQLiteStore

from .conftest import FakeClock

SETTINGS = DriftSettings()
SEEDS = range(50_000, 50_020)


def test_new_tools_are_caught_quickly_without_false_alarms() -> None:
    normal = [trace_scores(SETTINGS, s, None, normal=300, after=0) for s in SEEDS]
    switched = {
        how: [trace_scores(SETTINGS, s * 7 + k, how, normal=50, after=50) for s in SEEDS]
        for k, how in enumerate(("exfiltrate", "takeover"))
    }
    result = report(normal, switched)
    # per action; per trace the benchmark measures ~3% of 400-action traces with an alarm
    assert result.false_alarm_actions <= 0.01 * result.normal_actions
    assert result.false_alarm_traces <= 2
    assert result.detection_rate >= 0.9


def call(agent: str, tool: str, clock: FakeClock) -> Signal:
    clock.now += 1.0
    return Signal(kind=SignalKind.TOOL_CALL, agent=agent, tool=tool, args={"q": "x"})


def test_blocked_signals_are_not_learned(store: SQLiteStore, clock: FakeClock) -> None:
    registry = Registry(store, clock)
    layer = IdentityLayer(
        registry,
        EnvelopeVerifier(registry, MemoryReplayCache()),
        DriftMonitor(DriftSettings(), store, clock),
        clock=clock,
    )
    immune = Immune(layers=[layer], clock=clock)
    for i in range(200):
        tool = "web.search" if i % 2 else "web.fetch"
        assert immune.check(call("r", tool, clock)).action is Action.ALLOW
    actions = [immune.check(call("r", "shell.run", clock)).action for _ in range(10)]
    assert actions[:2] == [Action.ALLOW, Action.ALLOW]
    assert actions[2:] == [Action.BLOCK] * 8
    assert layer.drift is not None
    baseline = layer.drift.baseline("r")
    assert not any("shell" in act for act in baseline.counts[0])
    assert not any("shell" in feats[0] for feats in baseline.pending)


def test_baselines_survive_a_restart(store: SQLiteStore, clock: FakeClock) -> None:
    first = DriftMonitor(DriftSettings(save_every=10), store, clock)
    for _ in range(60):
        first.learn(call("r", "web.search", clock))
    second = DriftMonitor(DriftSettings(), store, clock)
    assert second.baseline("r").seen == first.baseline("r").seen > 0
