"""Anomaly statistics per agent and channel, with robust running scores.

For each (agent, channel) a baseline tracks, by exponentially weighted moving
averages, the centre and the mean absolute deviation of a few numbers describing each
text: its size (log bytes), byte entropy, share of non-ASCII, digits, punctuation,
upper case, letters outside the Latin script (a sudden language change) and
base64-looking runs (a sudden encoding change), plus the time since the last signal
(rate). A text scores by its largest robust deviation ``|x - centre| / spread``; the
first ``warmup`` texts only teach. Baselines learn only from signals that were
allowed, so an attack does not become normal, and are kept in the store.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
import re2

from immuno.detect.schema import migrate
from immuno.detect.spans import byte_spans
from immuno.store.base import Store

FEATURES = (
    "size",
    "entropy",
    "non_ascii",
    "digits",
    "punctuation",
    "upper",
    "non_latin",
    "encoded",
    "gap",
)
ALPHA = 0.05  # EWMA weight of a new observation
MIN_SPREAD = {"size": 0.5, "entropy": 0.3, "gap": 1.0}
DEFAULT_MIN_SPREAD = 0.05
FLUSH_EVERY = 32  # observations between writes of a baseline to the store
_ENCODED = re2.compile(rb"[A-Za-z0-9+/=]{24,}")  # RE2: linear, no backtracking


class Baseline(msgspec.Struct):
    count: int = 0
    last_at: float = 0.0
    centre: dict[str, float] = msgspec.field(default_factory=dict)
    spread: dict[str, float] = msgspec.field(default_factory=dict)


# c * log2(c) for a byte's count c, looked up: the entropy of a histogram is
# log2(n) - sum(c log2 c) / n, with no array of probabilities.
_C_LOG_C = [0.0] + [c * math.log2(c) for c in range(1, 4097)]


def _c_log_c(count: int) -> float:
    return _C_LOG_C[count] if count < len(_C_LOG_C) else count * math.log2(count)


def describe(text: str, gap: float) -> dict[str, float]:
    """The numbers a baseline tracks for one text (bytes of its UTF-8 form)."""
    values = dict(_text_features(text))
    values["gap"] = math.log2(max(gap, 0.0) + 1.0)
    return values


_LAST: dict[str, tuple[str, dict[str, float]]] = {}


def _text_features(text: str) -> dict[str, float]:
    """Features of the text alone; the last result is kept, since a signal is
    described twice (scored before the verdict, learned after it)."""
    last = _LAST.get("text")
    if last is not None and last[0] is text:
        return last[1]
    raw = text.encode("utf-8", "replace")
    size = len(raw)
    total = max(size, 1)
    # one histogram in C, then sums of its ranges: cheaper than arrays per class
    counts = np.bincount(np.frombuffer(raw, dtype=np.uint8), minlength=256).tolist()
    digits = sum(counts[0x30:0x3A])
    upper = sum(counts[0x41:0x5B])
    lower = sum(counts[0x61:0x7B])
    punct = sum(counts[0x21:0x30]) + sum(counts[0x3A:0x41])
    punct += sum(counts[0x5B:0x61]) + sum(counts[0x7B:0x7F])
    high = sum(counts[0x80:])
    lead = sum(counts[0xC0:])  # the first byte of a multi-byte UTF-8 character
    far = sum(counts[0xD0:])  # U+0400 on: Cyrillic, Greek ext., CJK, Arabic ...
    entropy = math.log2(total) - sum([_c_log_c(c) for c in counts if c]) / total
    letters = upper + lower + lead
    encoded = sum(end - start for start, end in byte_spans(_ENCODED, raw)) if size >= 24 else 0
    features = {
        "size": math.log2(size + 1),
        "entropy": max(entropy, 0.0) if size else 0.0,
        "non_ascii": high / total,
        "digits": digits / total,
        "punctuation": punct / total,
        "upper": upper / total,
        "non_latin": far / letters if letters else 0.0,
        "encoded": encoded / total,
    }
    _LAST["text"] = (text, features)  # one dict store: atomic under the GIL
    return features


class AnomalyModel:
    """Baselines in memory, read from and flushed to the store."""

    def __init__(self, store: Store, warmup: int) -> None:
        self.store = store
        self.warmup = warmup
        migrate(store)
        self._baselines: dict[tuple[str, str], Baseline] = {}
        self._dirty: dict[tuple[str, str], int] = {}

    def baseline(self, agent: str, channel: str) -> Baseline:
        key = (agent, channel)
        found = self._baselines.get(key)
        if found is None:
            rows = self.store.query(
                "SELECT state FROM detect_baseline WHERE agent = ? AND channel = ?", key
            )
            found = msgspec.json.decode(rows[0][0], type=Baseline) if rows else Baseline()
            self._baselines[key] = found
        return found

    def score(self, agent: str, channel: str, text: str, at: float) -> tuple[float, str]:
        """The largest robust deviation of ``text`` and the feature it is on."""
        base = self.baseline(agent, channel)
        if base.count < self.warmup:
            return 0.0, ""
        values = describe(text, at - base.last_at)
        worst, name = 0.0, ""
        for feature, value in values.items():
            floor = MIN_SPREAD.get(feature, DEFAULT_MIN_SPREAD)
            spread = max(1.4826 * base.spread.get(feature, 0.0), floor)
            deviation = abs(value - base.centre.get(feature, value)) / spread
            if feature == "gap" and value > base.centre.get(feature, value):
                deviation = 0.0  # a quiet agent is not suspicious; a burst is
            if deviation > worst:
                worst, name = deviation, feature
        return worst, name

    def learn(self, agent: str, channel: str, text: str, at: float) -> None:
        base = self.baseline(agent, channel)
        values = describe(text, at - base.last_at if base.count else 3600.0)
        for feature, value in values.items():
            if feature not in base.centre:
                base.centre[feature], base.spread[feature] = value, 0.0
                continue
            centre = base.centre[feature]
            base.spread[feature] += ALPHA * (abs(value - centre) - base.spread[feature])
            base.centre[feature] = centre + ALPHA * (value - centre)
        base.count += 1
        base.last_at = at
        key = (agent, channel)
        self._dirty[key] = self._dirty.get(key, 0) + 1
        if self._dirty[key] >= FLUSH_EVERY or base.count == self.warmup:
            self.flush(key)

    def flush(self, key: tuple[str, str] | None = None) -> None:
        keys = [key] if key is not None else list(self._dirty)
        with self.store.transaction() as cur:
            for agent, channel in keys:
                state = msgspec.json.encode(self._baselines[(agent, channel)])
                cur.execute(
                    "INSERT INTO detect_baseline (agent, channel, state) VALUES (?, ?, ?) "
                    "ON CONFLICT (agent, channel) DO UPDATE SET state = excluded.state",
                    (agent, channel, state),
                )
                self._dirty.pop((agent, channel), None)
