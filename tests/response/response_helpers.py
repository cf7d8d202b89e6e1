"""Shared pieces for the response tests: a fake clock, a stub detector, a pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tests.backends import location_of

from immuno.core.config import Config, ResponseConfig
from immuno.core.finding import Finding, Severity
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.memory import MemoryGate
from immuno.response import ResponseEngine
from immuno.store import open_store

EVIL = "EVIL"  # the stub detector's one signature


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class StubDetector:
    """Flags text containing EVIL as a high-severity injection, like detect would."""

    name = "detect"

    def __init__(self, severity: Severity = Severity.HIGH) -> None:
        self.severity = severity

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        if EVIL not in signal.text():
            return []
        return [
            Finding(
                layer=self.name,
                code="sig.stub",
                severity=self.severity,
                score=0.9,
                message="stub injection",
            )
        ]


def pipeline(
    path: Path, clock: FakeClock, config: Config | None = None, *extra: object
) -> tuple[Immune, ResponseEngine]:
    config = config or Config()
    store = open_store(location_of(path))
    engine = ResponseEngine(config.response, store, clock)
    layers = [*extra, StubDetector(), MemoryGate(config.memory.quarantine), engine]
    return Immune(config, layers=layers, store=store, clock=clock), engine


def response_config(**changes: object) -> Config:
    return Config(response=ResponseConfig(**changes))  # type: ignore[arg-type]


def message(to: str, sender: str, content: str) -> Signal:
    return Signal(
        kind=SignalKind.MESSAGE,
        agent=to,
        peer=sender,
        content=content,
        provenance=Provenance.INTERNAL,
    )


def tool_call(agent: str, tool: str, **args: object) -> Signal:
    return Signal(kind=SignalKind.TOOL_CALL, agent=agent, tool=tool, args=dict(args))


def tool_result(agent: str, content: str) -> Signal:
    return Signal(kind=SignalKind.TOOL_RESULT, agent=agent, tool="web.fetch", content=content)
