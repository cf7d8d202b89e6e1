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


def _mask(selected: list[int]) -> np.ndarray:
    mask = np.zeros(256, dtype=np.float64)
    mask[selected] = 1.0
    return mask


# Byte classes, as weights over a 256-bin histogram: one histogram per text, then a
# dot product per class (no per-byte temporary arrays).
_DIGIT = _mask(list(range(ord("0"), ord("9") + 1)))
_UPPER = _mask(list(range(ord("A"), ord("Z") + 1)))
_LOWER = _mask(list(range(ord("a"), ord("z") + 1)))
_PUNCT = _mask([ord(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"])
_HIGH = _mask(list(range(0x80, 0x100)))
_LEAD = _mask(list(range(0xC0, 0x100)))  # the first byte of a multi-byte UTF-8 character
_FAR_LEAD = _mask(list(range(0xD0, 0x100)))  # U+0400 on: Cyrillic, Greek ext., CJK, Arabic
_CLASSES = np.stack([_DIGIT, _UPPER, _LOWER, _PUNCT, _HIGH, _LEAD, _FAR_LEAD], axis=1)


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
    total = max(len(raw), 1)
    counts = np.bincount(np.frombuffer(raw, dtype=np.uint8), minlength=256).astype(np.float64)
    digits, upper, lower, punct, high, lead, far = counts @ _CLASSES
    probs = counts[counts > 0] / total
    letters = upper + lower + lead
    encoded = sum(end - start for start, end in byte_spans(_ENCODED, raw)) if len(raw) >= 24 else 0
    features = {
        "size": math.log2(len(raw) + 1),
        "entropy": float(-(probs * np.log2(probs)).sum()),
        "non_ascii": float(high) / total,
        "digits": float(digits) / total,
        "punctuation": float(punct) / total,
        "upper": float(upper) / total,
        "non_latin": float(far) / float(letters) if letters else 0.0,
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
