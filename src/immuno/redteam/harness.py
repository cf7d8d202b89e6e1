"""What a case runs against: a fresh deployment of the configuration under test.

Each case gets its own ``Immune`` on its own store (a folder of the run's temporary
directory, or the configured store), so the health ladder, sessions and pins of one
case never decide another. Every ``Immune.check`` a case causes is timed and its
finding codes kept.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import msgspec

from immuno.core.config import Config, StoreConfig
from immuno.core.finding import Finding
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict

WARM_UP = Signal(
    kind=SignalKind.MESSAGE,
    agent="rt-warm-up",
    content="Good morning.",
    provenance=Provenance.TRUSTED,
)


class Recorder:
    """The checks of one case: latency (µs) and the codes of what stopped them."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.codes: set[str] = set()

    def refused(self, code: str, latency_us: float) -> None:
        """A refusal before the pipeline (the gateway's check of a bearer token)."""
        self.latencies.append(latency_us)
        self.codes.add(code)

    def record(self, verdict: Verdict) -> None:
        self.latencies.append(verdict.latency_us)
        # what a sandbox refused or killed is stopped even when its output is delivered
        self.codes.update(f.code for f in verdict.findings if f.layer == "sandbox")
        if not verdict.allowed:
            self.codes.update(
                f.code if f.code.startswith(f.layer) else f"{f.layer}.{f.code}"
                for f in verdict.findings
                if (f.action is not None and f.action.stops) or f.score >= verdict.score > 0
            )


@dataclass(frozen=True)
class Result:
    """One case's outcome: ``attack`` cases count as stopped when ``held`` (the attack
    did not reach its goal), benign cases pass when not ``held``."""

    family: str
    attack: bool
    technique: str
    held: bool
    latencies: list[float] = field(default_factory=list)
    codes: frozenset[str] = frozenset()
    skipped: str | None = None
    units: int = 1  # of the run's progress this result completes (a mesh yields many)


class Checks(Protocol):
    """What a case checks its signals through (in process, or a server)."""

    def check(self, signal: Signal) -> Verdict: ...


class Runs(Protocol):
    """Where a case runs: a fresh deployment in process, or a running server."""

    def run(
        self, family: str, attack: bool, technique: str, body: Callable[[Checks], bool]
    ) -> Result: ...


class TimedImmune(Immune):
    """An ``Immune`` whose every check is reported to the case's recorder."""

    recorder: Recorder | None = None

    def check(
        self, signal: Signal | Mapping[str, object], *, evidence: Sequence[Finding] = ()
    ) -> Verdict:
        verdict = super().check(signal, evidence=evidence)
        if self.recorder is not None:
            self.recorder.record(verdict)
        return verdict


@dataclass
class Deployment:
    """Makes one fresh ``TimedImmune`` per case from ``config``."""

    config: Config
    root: Path | None  # None: every case shares the configured store
    manifests: Sequence[str] = ()
    _count: itertools.count[int] = field(default_factory=itertools.count)

    def adding(self, manifest: str) -> Deployment:
        """The same deployment with one more manifest, for one family's cases (its
        stores are still numbered with this one's)."""
        return Deployment(self.config, self.root, [*self.manifests, manifest], self._count)

    def fresh(self, clock: Callable[[], float] | None = None) -> TimedImmune:
        """A new ``TimedImmune`` on the case's own store (on ``clock`` when given: a
        simulation's time, so windows and rates see its pace, not the CPU's)."""
        config = self.config
        if self.manifests and config.policy.enabled:
            listed = [*config.policy.manifests, *self.manifests]
            config = msgspec.structs.replace(
                config, policy=msgspec.structs.replace(config.policy, manifests=listed)
            )
        case = next(self._count)
        if self.root is not None:
            folder = self.root / f"case-{case}"
            config = msgspec.structs.replace(
                config, store=StoreConfig(path=str(folder / "immuno.db"))
            )
        timed = clock or time.time
        if case == 0:
            return TimedImmune(config, clock=timed)
        # what a start warns about (a layer turned off) was said at the first case
        logging.disable(logging.WARNING)
        try:
            return TimedImmune(config, clock=timed)
        finally:
            logging.disable(logging.NOTSET)

    def run(
        self,
        family: str,
        attack: bool,
        technique: str,
        body: Callable[[TimedImmune], bool],
    ) -> Result:
        """Run ``body`` (True when the attack was held, or the benign work refused)."""
        immune = self.fresh()
        # The first check opens the store: not part of what a check costs.
        immune.check(WARM_UP)
        recorder = Recorder()
        immune.recorder = recorder
        try:
            held = body(immune)
        finally:
            immune.close()
        return Result(
            family, attack, technique, held, recorder.latencies, frozenset(recorder.codes)
        )
