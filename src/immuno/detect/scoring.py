"""Layered scoring: fold every piece of detect evidence into one score per text.

Each source of evidence gives a probability-like score: a signature its severity
score, the classifier its calibrated score (0.8 exactly at the operating threshold
chosen on the development split), a vaccine its containment, an anomaly and an
obfuscation trick a capped score. They are combined by noisy-OR,
``1 - prod(1 - p_i)``: independent weak hints add up, one strong one is enough,
and the result never falls below the strongest single piece of evidence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Obfuscation alone is a hint, not proof: these scores stay under the flag threshold,
# except a decoding bomb or tag-character smuggling, which honest text never needs.
OBFUSCATION_SCORE = {
    "tag_characters": 0.65,
    "decode_budget_exhausted": 0.65,
    "hidden_text": 0.3,
    "base64": 0.2,
    "hex": 0.2,
    "rot13": 0.3,
    "homoglyphs": 0.3,
    "invisible_characters": 0.2,
    "leetspeak": 0.1,
    "url": 0.05,
    "entities": 0.05,
}
ANOMALY_START = 6.0  # robust deviations before an anomaly counts at all
ANOMALY_MAX = 0.45  # anomaly alone never flags


def anomaly_score(deviation: float) -> float:
    if deviation < ANOMALY_START:
        return 0.0
    return ANOMALY_MAX * (1.0 - math.exp(-(deviation - ANOMALY_START) / 6.0))


def vaccine_score(share: float, threshold: float) -> float:
    """Containment at the threshold scores 0.85 (a block); full containment 0.99."""
    if share < threshold:
        return 0.0
    return 0.85 + 0.14 * (share - threshold) / max(1.0 - threshold, 1e-9)


def combine(scores: Iterable[float]) -> float:
    keep = 1.0
    for score in scores:
        keep *= 1.0 - min(max(score, 0.0), 1.0)
    return 1.0 - keep
