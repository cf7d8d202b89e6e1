"""Behavioural drift: tuned on seeds 0-199 (reported on seeds 100000-100199 by
benchmarks/identity_speed.py); these checks use separate seeds, so they test the tuned
settings rather than repeat them."""

from __future__ import annotations

from immuno.core.action import Action
from immuno.core.finding import Finding
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
from immuno.store import Store

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


class GrantsEveryCall:
    """Stands in for a policy that grants every call, so only drift decides."""

    name = "grant"
    judges = frozenset({SignalKind.TOOL_CALL})

    def inspect(self, signal: Signal, earlier: object) -> list[Finding]:
        return []


def test_blocked_signals_are_not_learned(store: Store, clock: FakeClock) -> None:
    registry = Registry(store, clock)
    layer = IdentityLayer(
        registry,
        EnvelopeVerifier(registry, MemoryReplayCache()),
        DriftMonitor(DriftSettings(), store, clock),
        clock=clock,
    )
    immune = Immune(layers=[layer, GrantsEveryCall()], clock=clock)
    for i in range(200):
        tool = "web.search" if i % 2 else "web.fetch"
        assert immune.check(call("r", tool, clock)).action is Action.ALLOW
    actions = [immune.check(call("r", "shell.run", clock)).action for _ in range(10)]
    # never-seen actions alarm from the fifth in the window (novel = 5)
    assert actions[:4] == [Action.ALLOW] * 4
    assert actions[4:] == [Action.BLOCK] * 6
    assert layer.drift is not None
    baseline = layer.drift.baseline("r")
    assert not any("shell" in act for act in baseline.counts[0])
    assert not any("shell" in feats[0] for feats in baseline.pending)


def test_baselines_survive_a_restart(store: Store, clock: FakeClock) -> None:
    first = DriftMonitor(DriftSettings(save_every=10), store, clock)
    for _ in range(60):
        first.learn(call("r", "web.search", clock))
    second = DriftMonitor(DriftSettings(), store, clock)
    assert second.baseline("r").seen == first.baseline("r").seen > 0


def test_a_new_habit_with_the_same_tools_is_caught() -> None:
    # Same two tools throughout; only the order changes: alternating, then in pairs.
    monitor = DriftMonitor(DriftSettings())
    clock = FakeClock()
    tools = ("web.search", "docs.read")

    def run(pattern: list[int], steps: int) -> list[float]:
        bits = []
        for i in range(steps):
            clock.now += 1.0
            tool = tools[pattern[i % len(pattern)]]
            signal = Signal(kind=SignalKind.TOOL_CALL, agent="a", tool=tool, at=clock.now)
            drift = monitor.score(signal)
            bits.append(drift.habit if drift is not None else 0.0)
            if drift is None or not drift.alarm:
                monitor.learn(signal)
        return bits

    before = run([0, 1], 300)
    after = run([0, 0, 1, 1], 40)
    assert max(before) < SETTINGS.habit_bits
    assert max(after) >= SETTINGS.habit_bits


def test_rewired_habits_are_mostly_caught() -> None:
    seeds = range(60_000, 60_010)
    normal = [trace_scores(SETTINGS, s, None, normal=200, after=0) for s in seeds]
    rewired = {"rewire": [trace_scores(SETTINGS, s, "rewire", normal=50, after=50) for s in seeds]}
    result = report(normal, rewired)
    assert result.false_alarm_traces <= 1
    assert result.detection_rate >= 0.5


def test_an_agent_that_does_the_same_thing_every_turn_never_drifts() -> None:
    # A chat agent answering alike, turn after turn, at a steady and at an uneven pace:
    # the baseline sharpening as it learns must not read as the agent changing.
    for pace in ((1.0,), (0.3, 2.0, 0.7, 5.0)):
        monitor = DriftMonitor(DriftSettings())
        clock = FakeClock()
        alarms = 0
        for turn in range(1500):
            for kind in (SignalKind.MESSAGE, SignalKind.OUTPUT):
                clock.now += pace[turn % len(pace)]
                signal = Signal(kind=kind, agent="bot", content="It is sunny.", at=clock.now)
                drift = monitor.score(signal)
                alarms += drift is not None and drift.alarm
                monitor.learn(signal)
        assert alarms == 0, pace
