"""What differs between the shipped model and one rebuilt from the same data
(``train_classifier.py --check``): weights, intercepts, thresholds (per script too),
slopes, the chosen setting, the Latin channels and the data hashes.

Bit for bit when the rebuild ran on the library versions the shipped model records;
within float noise (1e-3) on others, saying so. Needs numpy only."""

from __future__ import annotations

from typing import Any

import numpy as np

from immuno.detect.classifier import CHANNELS, Classifier

NOISE = 1e-3  # the tolerance across library versions
KEYS = ("intercept", "threshold", "slope", "C", "scaled", "user_benign", "support")


def compare(shipped: Classifier, rebuilt: Classifier, versions: dict[str, Any]) -> list[str]:
    """One line per difference (empty: the same model); ``versions`` are the library
    versions of this run."""
    problems = []
    same_versions = shipped.header.get("training", {}).get("versions") == versions
    tolerance = 0.0 if same_versions else NOISE
    for channel in CHANNELS:
        diff = float(np.abs(shipped.weights[channel] - rebuilt.weights[channel]).max())
        if diff > tolerance:
            problems.append(f"{channel} weights differ by up to {diff:.3g}")
        for key in KEYS:
            a, b = shipped.channels[channel].get(key), rebuilt.channels[channel].get(key)
            close = a == b or (
                isinstance(a, float) and isinstance(b, float) and abs(a - b) <= tolerance
            )
            if not close:
                problems.append(f"{channel} {key}: shipped {a!r}, rebuilt {b!r}")
        for script in sorted(set(shipped.scripts[channel]) | set(rebuilt.scripts[channel])):
            a, b = shipped.scripts[channel].get(script), rebuilt.scripts[channel].get(script)
            if a is None or b is None or abs(a - b) > tolerance:
                problems.append(f"{channel} {script} threshold: shipped {a!r}, rebuilt {b!r}")
    if shipped.latin != rebuilt.latin:
        shipped_latin, rebuilt_latin = sorted(shipped.latin), sorted(rebuilt.latin)
        problems.append(f"latin channels: shipped {shipped_latin}, rebuilt {rebuilt_latin}")
    if shipped.header.get("data") != rebuilt.header.get("data"):
        problems.append("trained on other data (the data hashes differ)")
    if not same_versions:
        print(
            f"note: the shipped model was built with {shipped.header.get('training', {})}"
            f" and this run has {versions}; comparing within {tolerance}"
        )
    return problems
