"""Play replay traces through the SDK, one fresh pipeline (a real SQLite store) per
trace, as one conversation would be: the response ladder never carries one case into the
next. Every step is played, even after an earlier one was stopped, so each check is
counted on its own; a stopped user call or injected result is reported as such.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

import immuno.policy as policy_component
from immuno import Config, Immune, Provenance, Signal, SignalKind, Verdict
from immuno.core.config import DetectConfig, PolicyConfig, StoreConfig
from immuno.core.errors import Refused
from immuno.policy.manifest import load_manifests
from replay.model import Benign, Call, Case, Read, Source

TRACE = "replay"
T = TypeVar("T")


@dataclass(frozen=True)
class Setup:
    name: str
    detect: bool


SETUPS = (Setup("every layer", True), Setup("policy only", False))


@dataclass(frozen=True)
class Step:
    """One checked step: what it was, the verdict's action and what decided it."""

    tool: str
    action: str
    by: str = ""  # layer:code of the deciding finding when not allowed

    @property
    def stopped(self) -> bool:
        # an excised result reached the model without its injected sentences: for an
        # injected result that is a stop, for a benign one a touch
        return self.action in ("excise", "hold", "quarantine", "block")


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    user: Step
    result: Step
    calls: tuple[Step, ...]

    @property
    def attack_stopped(self) -> bool:
        return any(c.stopped for c in self.calls)

    @property
    def defended(self) -> bool:
        return self.result.stopped or self.attack_stopped


@dataclass(frozen=True)
class BenignOutcome:
    benign: Benign
    user: Step
    result: Step

    @property
    def untouched(self) -> bool:
        return not (self.user.stopped or self.result.stopped)


@dataclass
class Run:
    """Everything one source gave in one set-up, with the time of every check."""

    source: str
    setup: str
    cases: list[CaseOutcome] = field(default_factory=list)
    benign: list[BenignOutcome] = field(default_factory=list)
    timings: dict[str, list[int]] = field(default_factory=dict)  # kind -> ns per check


def decisive(verdict: Verdict) -> str:
    """layer:code of the finding that decided a verdict that is not ``allow``."""
    ranked = [f for f in verdict.findings if f.action is not None or f.score > 0]
    if verdict.action.value == "allow" or not ranked:
        return ""
    best = max(ranked, key=lambda f: (f.action.rank if f.action else -1, f.score))
    return f"{best.layer}:{best.code}"


class Player:
    """Checks the steps of one trace in one pipeline, timing each."""

    def __init__(self, immune: Immune, agent: str, timings: dict[str, list[int]]) -> None:
        self.immune, self.agent, self.timings = immune, agent, timings

    def _timed(self, kind: str, check: Callable[[], Verdict]) -> Verdict:
        started = time.perf_counter_ns()
        try:
            verdict = check()
        except Refused as refused:
            verdict = refused.verdict
        self.timings.setdefault(kind, []).append(time.perf_counter_ns() - started)
        return verdict

    def message(self, text: str) -> Step:
        signal = Signal(
            kind=SignalKind.MESSAGE,
            agent=self.agent,
            content=text,
            provenance=Provenance.TRUSTED,
            trace=TRACE,
        )
        return _step("user", self._timed("message", lambda: self.immune.check(signal)))

    def call(self, call: Call) -> Step:
        verdict = self._timed(
            "tool_call",
            lambda: self.immune.guard_call(self.agent, call.tool, call.args, trace=TRACE),
        )
        return _step(call.tool, verdict)

    def read(self, read: Read) -> Step:
        verdict = self._timed(
            "tool_result",
            lambda: self.immune.guard_result(self.agent, read.tool, read.text, trace=TRACE),
        )
        return _step(read.tool, verdict)


def _step(tool: str, verdict: Verdict) -> Step:
    return Step(tool, verdict.action.value, decisive(verdict))


def play_case(player: Player, case: Case) -> CaseOutcome:
    player.message(case.request)
    user = player.call(case.user_call)
    result = player.read(case.injected)
    calls = []
    for step in case.attack:
        if isinstance(step, Call):
            calls.append(player.call(step))
        else:
            player.read(step)
    return CaseOutcome(case, user, result, tuple(calls))


def play_benign(player: Player, benign: Benign) -> BenignOutcome:
    player.message(benign.request)
    user = player.call(benign.user_call)
    return BenignOutcome(benign, user, player.read(benign.result))


class Pipelines:
    """A fresh pipeline per trace on a store file that is removed after each."""

    def __init__(self, folder: Path, manifest: Path, detect: bool) -> None:
        self.db = folder / "replay.db"
        self.config = Config(
            store=StoreConfig(path=str(self.db)),
            policy=PolicyConfig(manifests=[str(manifest)]),
            detect=DetectConfig(enabled=detect),
        )

    def run(self, agent: str, timings: dict[str, list[int]], play: Callable[[Player], T]) -> T:
        immune = Immune(self.config)
        try:
            return play(Player(immune, agent, timings))
        finally:
            immune.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.db}{suffix}").unlink(missing_ok=True)


@contextmanager
def parsed_once(path: Path) -> Iterator[None]:
    """Pipelines built inside share one parse of the manifest at ``path``.

    Parsing a manifest of hundreds of tools costs more than replaying a trace; the
    parsed value is frozen and each pipeline still compiles and keeps its own policy,
    so sharing the parse changes no decision.
    """
    parsed, original = load_manifests([path]), policy_component.load_manifests

    def load(paths: Sequence[str | Path]) -> object:
        return parsed if [str(p) for p in paths] == [str(path)] else original(paths)

    policy_component.load_manifests = load  # type: ignore[assignment]
    try:
        yield
    finally:
        policy_component.load_manifests = original


def write_manifest(source: Source, folder: Path) -> Path:
    path = folder / f"{source.name}.yaml"
    path.write_text(yaml.safe_dump(source.manifest, sort_keys=False), encoding="utf-8")
    return path


def run(source: Source, setup: Setup, folder: Path, *, progress: bool = True) -> Run:
    """Every case and benign task of ``source`` in ``setup``."""
    work = folder / f"{source.name}-{setup.name.replace(' ', '-')}"
    work.mkdir(parents=True, exist_ok=True)
    manifest = write_manifest(source, work)
    pipelines = Pipelines(work, manifest, setup.detect)
    result = Run(source.name, setup.name)
    with parsed_once(manifest):
        for case in _noted(source.cases, f"{source.name}, {setup.name}", progress):
            result.cases.append(
                pipelines.run(case.agent, result.timings, lambda p, c=case: play_case(p, c))
            )
        for benign in source.benign:
            result.benign.append(
                pipelines.run(benign.agent, result.timings, lambda p, b=benign: play_benign(p, b))
            )
    return result


def _noted(cases: list[Case], label: str, progress: bool) -> Iterable[Case]:
    for i, case in enumerate(cases):
        if progress and i and i % 1000 == 0:
            print(f"  {label}: {i}/{len(cases)} cases", file=sys.stderr, flush=True)
        yield case
