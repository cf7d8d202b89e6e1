"""The drift monitor: one baseline and one recent window per agent.

Baselines are kept in memory and written to the store every ``save_every`` learned
signals (and on :meth:`DriftMonitor.flush`), so they survive restarts; a process that
starts reads an agent's baseline on its first signal. Windows are per process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from immuno.core.signal import Signal, SignalKind
from immuno.identity import schema
from immuno.identity.fingerprint import (
    DEFAULT_WEIGHTS,
    Baseline,
    Surprise,
    Window,
    drift_score,
    novel_acts,
)
from immuno.identity.habit import HabitTest
from immuno.store import Store

# What an agent does (scored); what happens to it (messages in, tool results) only
# feeds the sequence.
ACTION_KINDS = frozenset({SignalKind.TOOL_CALL, SignalKind.OUTPUT, SignalKind.MEMORY_WRITE})
_decode = msgspec.msgpack.Decoder(Baseline).decode
_encode = msgspec.msgpack.Encoder().encode


@dataclass(frozen=True)
class Drift:
    raw: float  # weighted JS divergence, bits
    z: float  # standard deviations above the agent's usual divergence
    novel: int  # signals in the window doing what the agent was never seen to do
    cusum: float  # accumulated excess surprise, as a fraction of its alarm level
    habit: float  # evidence (bits) that the agent's transitions changed law
    alarm: bool


@dataclass(frozen=True)
class DriftSettings:
    """Tuned on simulated traces (:mod:`immuno.identity.simulate`, seeds 0-199 only;
    ``benchmarks/identity_speed.py`` reports on seeds 100000-100199)."""

    warmup: int = 150  # baseline observations before any score
    window: int = 24  # recent signals compared with the baseline
    calibration: int = 30  # own scores seen before the agent's noise level is trusted
    calibration_rate: float = 0.01  # weight of a new score in the running mean/variance
    threshold: float = 14.0  # standard deviations above the agent's usual drift
    floor: float = 0.15  # raw divergence (bits) below which nothing is raised
    min_sd: float = 0.2  # bits: smaller moves of surprise or divergence are noise
    # CUSUM per surprise part (step, size, pace): the allowance (sd per step) that is
    # ignored, and the level that raises the alarm
    slack: tuple[float, float, float] = (0.5, 1.0, 1.0)
    cusum: tuple[float, float, float] = (22.5, 17.0, 17.0)
    clip: float = 3.0  # no single step adds more than this (sd) to a CUSUM
    novel: int = 5  # never-seen acts (signals) in the window that alarm on their own
    # change of habit (:mod:`immuno.identity.habit`): transitions kept, pseudo-counts
    # of the changed law around the baseline, and the evidence (bits) that alarms
    habit_window: int = 50
    habit_spread: float = 4.0
    habit_bits: float = 13.0
    half_life: float = 2000.0  # baseline observations for a count to fade by half
    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    save_every: int = 25

    @property
    def growth(self) -> float:
        return float(2.0 ** (1.0 / self.half_life))


class DriftMonitor:
    def __init__(
        self,
        settings: DriftSettings | None = None,
        store: Store | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings or DriftSettings()
        self.store = store
        self.clock = clock
        if store is not None:
            schema.migrate(store)
        self._baselines: dict[str, Baseline] = {}
        self._windows: dict[str, Window] = {}
        self._unsaved: dict[str, int] = {}
        self._last: dict[str, tuple[str, float | None, Surprise]] = {}
        self._habits: dict[str, HabitTest] = {}
        self._stepped: dict[str, str] = {}  # agent -> id of the signal last pushed as a step
        self._cusum: dict[str, list[float]] = {}  # per agent: step, size, pace

    def baseline(self, agent: str) -> Baseline:
        found = self._baselines.get(agent)
        if found is None:
            found = self._load(agent) or Baseline()
            self._baselines[agent] = found
        return found

    def score(self, signal: Signal) -> Drift | None:
        """Push an attempted signal into the agent's window; its drift once warm.

        Four rules raise the alarm, on actions only: ``novel`` never-seen acts in the
        window; a window divergence ``threshold`` sd above the agent's usual; a
        CUSUM (Page 1954) of the agent's standardised per-step surprise reaching
        ``cusum``, which catches a sustained change of size or pace early; or
        ``habit_bits`` of evidence that its transitions follow a new law
        (:class:`~immuno.identity.habit.HabitTest`), which catches a new habit
        with the same tools.
        """
        settings = self.settings
        agent = signal.agent
        window = self._windows.get(agent)
        if window is None:
            window = self._windows[agent] = Window(settings.window)
        window.push(signal)
        habit = self._habits.get(agent)
        if habit is None:
            habit = self._habits[agent] = HabitTest(settings.habit_window, settings.habit_spread)
        if habit.push(window.events[-1]):
            self._stepped[agent] = signal.id
        baseline = self.baseline(agent)
        if baseline.seen < settings.warmup:
            return None
        surprise = baseline.surprise(window.events[-1])
        acting = signal.kind in ACTION_KINDS
        raw = drift_score(window, baseline, settings.weights) if acting and window.full else None
        self._last[agent] = (signal.id, raw, surprise)
        z = cusum = 0.0
        if baseline.calibrated >= settings.calibration:
            sums = self._cusum.setdefault(agent, [0.0, 0.0, 0.0])
            for part, bits in enumerate(surprise):
                if bits is None:
                    continue
                spread = max(settings.min_sd, baseline.surprise_var[part] ** 0.5)
                excess = min(settings.clip, (bits - baseline.surprise_mean[part]) / spread)
                sums[part] = max(0.0, sums[part] + excess - settings.slack[part])
            cusum = max(total / level for total, level in zip(sums, settings.cusum, strict=True))
            if raw is not None:
                z = (raw - baseline.score_mean) / max(settings.min_sd, baseline.score_var**0.5)
        if not acting:
            return None
        raw = raw or 0.0
        novel = novel_acts(window, baseline) if window.full else 0
        bits = habit.bits(baseline) if baseline.calibrated >= settings.calibration else 0.0
        alarm = (
            novel >= settings.novel
            or (z >= settings.threshold and raw >= settings.floor)
            or cusum >= 1.0
            or bits >= settings.habit_bits
        )
        if alarm and baseline.pending:
            # the window that raised the alarm is not learned: retract what is pending
            baseline.pending.clear()
            habit.retracted(baseline.seen)
            self._save(agent)
        return Drift(raw, z, novel, cusum, bits, alarm)

    def learn(self, signal: Signal) -> None:
        """Add an allowed signal to the agent's baseline (and its scores to its noise level)."""
        baseline = self.baseline(signal.agent)
        last = self._last.pop(signal.agent, None)
        if last is not None and last[0] == signal.id:
            warm = baseline.calibrated >= self.settings.calibration
            baseline.calibrate(
                last[1], last[2], self.settings.calibration_rate, 3.0 if warm else None
            )
        baseline.learn(signal, self.settings.growth, self.settings.window)
        if self._stepped.pop(signal.agent, None) == signal.id:
            self._habits[signal.agent].learned(baseline.seen + len(baseline.pending))
        pending = self._unsaved.get(signal.agent, 0) + 1
        self._unsaved[signal.agent] = pending
        if pending >= self.settings.save_every:
            self._save(signal.agent)

    def forget(self, agent: str) -> None:
        """Drop the agent's baseline (here and in the store): it learns itself anew.
        For an agent whose honest behaviour changed; other processes keep theirs in
        memory until they restart."""
        self._baselines.pop(agent, None)
        self._windows.pop(agent, None)
        self._cusum.pop(agent, None)
        self._habits.pop(agent, None)
        self._stepped.pop(agent, None)
        self._unsaved.pop(agent, None)
        if self.store is not None:
            with self.store.transaction() as cur:
                cur.execute("DELETE FROM identity_fingerprints WHERE agent = ?", (agent,))

    def flush(self) -> None:
        for agent in list(self._unsaved):
            self._save(agent)

    def _load(self, agent: str) -> Baseline | None:
        if self.store is None:
            return None
        rows = self.store.query("SELECT state FROM identity_fingerprints WHERE agent = ?", (agent,))
        return _decode(rows[0][0]) if rows else None

    def _save(self, agent: str) -> None:
        self._unsaved.pop(agent, None)
        if self.store is None:
            return
        now = self.clock() if self.clock is not None else 0.0
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO identity_fingerprints (agent, state, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (agent) DO UPDATE SET state = excluded.state, "
                "updated = excluded.updated",
                (agent, _encode(self._baselines[agent]), now),
            )
