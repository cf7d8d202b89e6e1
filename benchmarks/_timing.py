"""Shared timing helpers for the benchmark scripts: medians and p99 in microseconds."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

WORDS = [
    "the",
    "quarterly",
    "report",
    "shows",
    "revenue",
    "growth",
    "across",
    "all",
    "regions",
    "while",
    "operating",
    "costs",
    "remained",
    "stable",
    "please",
    "review",
    "the",
    "attached",
    "invoice",
    "before",
    "friday",
    "and",
    "confirm",
    "the",
    "shipping",
    "address",
    "for",
    "the",
    "customer",
    "order",
    "the",
    "meeting",
    "notes",
    "summarise",
    "decisions",
    "on",
    "hiring",
    "budget",
    "and",
    "the",
    "product",
    "roadmap",
    "for",
    "next",
    "year",
    "including",
    "security",
    "reviews",
]


def prose(size: int, seed: int = 7, non_ascii: bool = False, hidden: bool = False) -> str:
    """Deterministic benign text of ``size`` characters; ``non_ascii`` adds accents,
    ``hidden`` adds zero-width characters (the obfuscated case)."""
    rng = random.Random(seed)
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        if non_ascii and rng.random() < 0.2:
            word = word.replace("e", "é")
        if hidden and rng.random() < 0.05:
            word = "\u200b".join(word)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size]


def measure(fn: Callable[[], object], *, repeat: int, warmup: int = 50) -> tuple[float, float]:
    """(median, p99) of ``fn`` in microseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append((clock() - start) / 1000.0)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def row(label: str, median: float, p99: float, extra: str = "") -> str:
    return f"{label:<44} median {median:9.1f} µs   p99 {p99:9.1f} µs  {extra}"
