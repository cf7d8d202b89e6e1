"""Speed of the detect layer on benign tool output of 256 B, 2 KB and 16 KB.

    python benchmarks/detect_speed.py

Rows, all measured in this run on the same texts:
- bare re2 Set: the signature patterns' RE2 set scanning the raw text (the floor);
- normalise + signatures: what the layer does before the classifier;
- classifier: hashing features and scoring (whole text, 512-byte and 80-byte clause windows);
- layer, no classifier / layer with classifier: ``DetectLayer.inspect`` end to end
  (signatures, obfuscation, scoring; no store, so no vaccines or anomalies).
Median and p99 in µs per text, and the ratio of the medians to the bare RE2 scan.
Pin to one core for stable figures: ``taskset -c 0 python benchmarks/detect_speed.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from immuno.core.signal import Channel, Signal, SignalKind
from immuno.detect import Classifier, DetectLayer, SignatureSet, normalize

PARAGRAPH = (
    "The quarterly report shows revenue of 4.2 million, up 7% on last year. Shipping "
    "times improved after the new warehouse opened in March, and customer satisfaction "
    "rose to 92 percent. See https://docs.example.com/reports/q3 for the full tables. "
    "Open questions: staffing for the holiday season, the price of packaging, and "
    "whether to renew the contract with the current courier before it expires. "
)
SIZES = {"256 B": 256, "2 KB": 2048, "16 KB": 16384, "2 KB, slow path": 2048}
# Leetspeak-like tokens and an HTML comment send ASCII text down the full
# normalisation path (decoders, hidden text, leetspeak) instead of the fast path.
SLOW = "Build v2b4 of the <!-- internal --> q1q2 pipeline; see IDs a1b2 and c3d4. "


def text_of(size: int, slow: bool = False) -> str:
    body = (SLOW + PARAGRAPH) if slow else PARAGRAPH
    return (body * (size // len(body) + 1))[:size]


def measure(fn: Callable[[], object], seconds: float = 1.5) -> tuple[float, float]:
    for _ in range(20):
        fn()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 50:
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000.0)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    signatures = SignatureSet.from_sources(["builtin"])
    classifier = Classifier.builtin()
    plain = DetectLayer(signatures)
    full = DetectLayer(signatures, classifier=classifier)
    engine, _ = signatures._sets[Channel.TOOL]
    print(f"{len(signatures.signatures)} signatures; µs per text (median / p99)\n")
    print("| size | step | median µs | p99 µs | x bare re2 |")
    print("|---|---|---:|---:|---:|")
    for label, size in SIZES.items():
        text = text_of(size, slow="slow" in label)
        signal = Signal(kind=SignalKind.TOOL_RESULT, agent="bench", content=text)
        rows: dict[str, Callable[[], object]] = {
            "bare re2 Set": lambda t=text: engine.Match(t),
            "normalise + signatures": lambda t=text: signatures.match(
                normalize(t).text, Channel.TOOL
            ),
            "classifier": lambda t=text: classifier.score(t, "tool"),
            "layer, no classifier": lambda s=signal: plain.inspect(s, ()),
            "layer with classifier": lambda s=signal: full.inspect(s, ()),
        }
        reference = 0.0
        for name, fn in rows.items():
            median, p99 = measure(fn)
            reference = reference or median
            print(f"| {label} | {name} | {median:.1f} | {p99:.1f} | {median / reference:.1f} |")


if __name__ == "__main__":
    main()
