"""Speed of the detect layer on realistic tool output of 2 KB and 16 KB.

    taskset -c 0 .venv/bin/python benchmarks/detect_speed.py [SECONDS]

What is timed: ``DetectLayer.inspect`` on a ``Signal(kind=TOOL_RESULT)`` with the
builtin signatures and the shipped classifier (no store: no vaccines, anomalies or
quarantine), over JSON records, e-mail threads and markdown documents
(``_tooloutput.py``), several of each, the texts taken in turn so noise is shared.
Rows per kind and for all texts pooled, with the parts that make it up (normalise,
signature set, classifier) measured on the same texts. Targets, on the pooled rows:
median <= 1 ms at 2 KB, p99 <= 5 ms at 16 KB. One core: pin with ``taskset``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _tooloutput import KINDS
from immuno.core.signal import Channel, Signal, SignalKind
from immuno.detect import Classifier, DetectLayer, SignatureSet, normalize

SIZES = {"2 KB": 2048, "16 KB": 16384}
PER_KIND = 4  # texts of each kind and size
# (size, statistic, limit in µs): the project's speed targets
TARGETS = [("2 KB", "median", 1000.0), ("16 KB", "p99", 5000.0)]


def measure(calls: Sequence[Callable[[], object]], seconds: float) -> list[float]:
    """Samples in µs, calling each of ``calls`` in turn until ``seconds`` have passed."""
    for fn in calls:
        for _ in range(5):
            fn()
    samples: list[float] = []
    clock = time.perf_counter_ns
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 200:
        for fn in calls:
            start = clock()
            fn()
            samples.append((clock() - start) / 1000.0)
    return samples


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    signatures = SignatureSet.from_sources(["builtin"])
    classifier = Classifier.builtin()
    layer = DetectLayer(signatures, classifier=classifier)
    print(f"{len(signatures.signatures)} signatures, shipped classifier; µs per text\n")
    print("| size | texts | step | median µs | p99 µs | samples |")
    print("|---|---|---|---:|---:|---:|")
    pooled: dict[tuple[str, str], float] = {}
    for label, size in SIZES.items():
        texts = {
            kind: [make(size, seed) for seed in range(1, PER_KIND + 1)]
            for kind, make in KINDS.items()
        }
        every = [t for group in texts.values() for t in group]
        signals = [Signal(kind=SignalKind.TOOL_RESULT, agent="bench", content=t) for t in every]
        flagged = sum(bool(layer.inspect(s, ())) for s in signals)
        for kind, group in texts.items():
            start = every.index(group[0])
            calls = [lambda s=s: layer.inspect(s, ()) for s in signals[start : start + len(group)]]
            median, p99 = stats(found := measure(calls, seconds / 2))
            print(f"| {label} | {kind} | layer.inspect | {median:.1f} | {p99:.1f} | {len(found)} |")
        steps: dict[str, list[Callable[[], object]]] = {
            "normalize": [lambda t=t: normalize(t) for t in every],
            "signature set": [lambda t=t: signatures.match(t, Channel.TOOL) for t in every],
            "classifier": [lambda t=t: classifier.score(t, "tool") for t in every],
            "layer.inspect": [lambda s=s: layer.inspect(s, ()) for s in signals],
        }
        for step, calls in steps.items():
            found = measure(calls, seconds if step == "layer.inspect" else seconds / 2)
            median, p99 = stats(found)
            if step == "layer.inspect":
                pooled[(label, "median")], pooled[(label, "p99")] = median, p99
            print(
                f"| {label} | all {len(every)} | {step} | {median:.1f} | {p99:.1f} | {len(found)} |"
            )
        print(f"| {label} | all {len(every)} | texts with any finding: {flagged} | | | |")
    print()
    for label, statistic, limit in TARGETS:
        value = pooled[(label, statistic)]
        verdict = "met" if value <= limit else "MISSED"
        print(f"target {label} {statistic} <= {limit:.0f} µs: {value:.1f} µs, {verdict}")


if __name__ == "__main__":
    main()
