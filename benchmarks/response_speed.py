"""Cost per signal of the response engine: correlation + health ladder (inspect + observe).

Measured directly on the engine (no other layer), with the earlier findings a detect
layer would have produced, on a file-backed SQLite store with write-behind. Every
signal is a message between agents, so each is also sketched for replication
(``immuno.response.replication``; the first mix turns it off). Mixes: clean traffic
(the common case), traffic where a payload is suspect (every signal is
fingerprinted), and hostile traffic (every signal carries a finding and is
correlated and persisted). The reference is one SHA-256 of the same 2 KB text.

    python benchmarks/response_speed.py
"""

from __future__ import annotations

import gc
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from immuno.core.action import Action
from immuno.core.config import Config, ReplicationConfig, ResponseConfig
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.response import ResponseEngine
from immuno.store import SQLiteStore

N = 20_000
AGENTS = 50
TEXT = ("Quarterly supplier report: revenue grew 4% on strong demand in all regions. " * 30)[:2048]
FINDING = Finding(layer="detect", code="sig.x", severity=Severity.LOW, score=0.3, message="m")


def _signals(count: int, size: int) -> list[Signal]:
    """Distinct texts (the report's words shuffled): clean traffic relays nothing."""
    rng = random.Random(7)
    words = TEXT.split()
    out = []
    for i in range(count):
        rng.shuffle(words)
        out.append(
            Signal(
                kind=SignalKind.MESSAGE,
                agent=f"a{i % AGENTS}",
                peer=f"a{(i * 7 + 1) % AGENTS}",
                content=f"{i} {' '.join(words)}"[:size],
                provenance=Provenance.INTERNAL,
                at=1.0,
            )
        )
    return out


def _measure(
    engine: ResponseEngine, signals: Sequence[Signal], earlier: Sequence[Finding], every: int
) -> list[float]:
    """inspect + observe per signal; ``earlier`` findings on one signal in ``every``."""
    costs = []
    allow = Verdict(signal_id="", action=Action.ALLOW, score=0.0)
    for index, signal in enumerate(signals):
        given = earlier if index % every == 0 else ()
        start = time.perf_counter_ns()
        found = engine.inspect(signal, given)
        findings = (*given, *found)
        engine.observe(
            signal,
            Verdict(signal_id=signal.id, action=Action.ALLOW, score=0.0, findings=findings)
            if findings
            else allow,
        )
        costs.append((time.perf_counter_ns() - start) / 1000.0)
    return costs


def _engine(
    folder: Path, name: str, clock: Callable[[], float], replication: bool = True
) -> ResponseEngine:
    # No network lockdown: it would short-cut the hostile mix and flatter the figure.
    config = Config(
        response=ResponseConfig(
            lockdown_after=0, replication=ReplicationConfig(enabled=replication)
        )
    )
    engine = ResponseEngine(config.response, SQLiteStore(folder / f"{name}.db"), clock)
    engine.threats  # noqa: B018  (open and migrate outside the timing)
    return engine


def _report(label: str, costs: list[float], reference: float) -> None:
    costs.sort()
    median = statistics.median(costs)
    p99 = costs[int(len(costs) * 0.99)]
    mean = statistics.fmean(costs)
    print(
        f"{label:<38} median {median:6.2f} µs  p99 {p99:7.2f} µs  mean {mean:6.2f} µs  "
        f"({median / reference:4.1f}x SHA-256 of 2 KB)"
    )


def main() -> None:
    data = TEXT.encode()
    reference = statistics.median(
        _timed(lambda: hashlib.sha256(data).digest()) for _ in range(5_000)
    )
    print(f"reference: SHA-256 of 2 KB, median {reference:.2f} µs; {N} signals per mix")
    tick = iter(range(10**9)).__next__
    clock = lambda: 1_000_000.0 + tick() * 0.01  # noqa: E731  (100 signals a second)
    mixes: list[tuple[str, int, Sequence[Finding], int, bool]] = [
        ("clean traffic, replication off", 2048, (), 1, False),
        ("clean traffic (no findings)", 2048, (), 1, False),
        ("clean traffic, 256-byte messages", 256, (), 1, False),
        ("clean, suspect payloads known", 2048, (), 1, True),
        ("mixed: 5 of 50 agents hostile (1 in 20)", 2048, (FINDING,), 20, False),
        ("hostile: a finding on every signal", 2048, (FINDING,), 1, False),
        ("hostile, 256-byte messages", 256, (FINDING,), 1, False),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for index, (label, size, earlier, every, suspects) in enumerate(mixes):
            engine = _engine(Path(folder), f"mix{index}", clock, replication=index > 0)
            if suspects:  # a known suspect payload: every signal is fingerprinted
                engine.suspects["0" * 32] = "someone"
            signals = _signals(N, size)
            gc.collect()
            gc.freeze()  # the harness's 20,000 signals are not the engine's garbage
            _report(label, _measure(engine, signals, earlier, every), reference)
            engine.flush()
            gc.unfreeze()


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - start) / 1000.0


if __name__ == "__main__":
    main()
