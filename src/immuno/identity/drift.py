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
    Window,
    drift_score,
    novel_acts,
)
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
    alarm: bool


@dataclass(frozen=True)
class DriftSettings:
    """Tuned on simulated traces (``benchmarks/identity_drift.py``, tuning seeds only)."""

    warmup: int = 150  # baseline observations before any score
    window: int = 24  # recent signals compared with the baseline
    calibration: int = 30  # own scores seen before the agent's noise level is trusted
    calibration_rate: float = 0.01  # weight of a new score in the running mean/variance
    threshold: float = 7.0  # standard deviations above the agent's usual drift
    floor: float = 0.15  # raw divergence (bits) below which nothing is raised
    min_sd: float = 0.02
    novel: int = 3  # never-seen acts in the window that raise the alarm on their own
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
        self._last: dict[str, tuple[str, float]] = {}

    def baseline(self, agent: str) -> Baseline:
        found = self._baselines.get(agent)
        if found is None:
            found = self._load(agent) or Baseline()
            self._baselines[agent] = found
        return found

    def score(self, signal: Signal) -> Drift | None:
        """Push an attempted signal into the agent's window; its drift once warm."""
        window = self._windows.get(signal.agent)
        if window is None:
            window = self._windows[signal.agent] = Window(self.settings.window)
        window.push(signal)
        if signal.kind not in ACTION_KINDS or not window.full:
            return None
        baseline = self.baseline(signal.agent)
        if baseline.seen < self.settings.warmup:
            return None
        raw = drift_score(window, baseline, self.settings.weights)
        self._last[signal.agent] = (signal.id, raw)
        novel = novel_acts(window, baseline)
        z = 0.0
        if baseline.calibrated >= self.settings.calibration:
            z = (raw - baseline.score_mean) / max(self.settings.min_sd, baseline.score_var**0.5)
        alarm = (z >= self.settings.threshold and raw >= self.settings.floor) or (
            novel >= self.settings.novel
        )
        if alarm and baseline.pending:
            # the window that raised the alarm is not learned: retract what is pending
            baseline.pending.clear()
            self._save(signal.agent)
        return Drift(raw, z, novel, alarm)

    def learn(self, signal: Signal) -> None:
        """Add an allowed signal to the agent's baseline (and its score to the noise level)."""
        baseline = self.baseline(signal.agent)
        last = self._last.pop(signal.agent, None)
        if last is not None and last[0] == signal.id:
            warm = baseline.calibrated >= self.settings.calibration
            baseline.calibrate(last[1], self.settings.calibration_rate, 3.0 if warm else None)
        baseline.learn(signal, self.settings.growth, self.settings.window)
        pending = self._unsaved.get(signal.agent, 0) + 1
        self._unsaved[signal.agent] = pending
        if pending >= self.settings.save_every:
            self._save(signal.agent)

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
