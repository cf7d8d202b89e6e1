"""``train_classifier.py --check``: what differs between the shipped model and a
rebuild (``training/model_diff.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training"))

import model_diff

from immuno.detect import Classifier
from immuno.detect.classifier import encode_model
from immuno.detect.features import DIM

VERSIONS = {"python": "3.11.7", "numpy": "2.4.6"}


def _model(
    *,
    nudge: float = 0.0,
    threshold: float = 1.5,
    scripts: dict[str, float] | None = None,
    latin: list[str] | None = None,
    data: str = "abc",
    versions: dict[str, str] = VERSIONS,
) -> Classifier:
    rng = np.random.default_rng(7)
    weights = {c: rng.normal(size=DIM).astype(np.float16) for c in ("tool", "user")}
    weights["tool"][5] += np.float16(nudge)
    point: dict[str, Any] = {"intercept": -2.0, "threshold": threshold, "slope": 1.0, "C": 16.0}
    user = {**point, "scripts": scripts or {}}
    header: dict[str, Any] = {
        "channels": {"tool": point, "user": user},
        "data": {"train_sha256": data},
        "training": {"versions": versions},
        **({"latin": latin} if latin else {}),
    }
    return Classifier(encode_model(weights, header))


def test_the_same_model_has_no_difference() -> None:
    assert model_diff.compare(_model(), _model(), VERSIONS) == []


@pytest.mark.parametrize(
    ("rebuilt", "problem"),
    [
        (_model(nudge=0.5), "tool weights differ by up to"),
        (_model(threshold=1.6), "tool threshold: shipped 1.5, rebuilt 1.6"),
        (_model(scripts={"cyrillic": 3.0}), "user cyrillic threshold: shipped None, rebuilt 3.0"),
        (_model(latin=["user"]), "latin channels: shipped [], rebuilt ['user']"),
        (_model(data="def"), "trained on other data"),
    ],
)
def test_each_difference_is_named(rebuilt: Classifier, problem: str) -> None:
    problems = model_diff.compare(_model(), rebuilt, VERSIONS)
    assert any(problem in line for line in problems), problems


def test_on_other_library_versions_float_noise_passes_and_is_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = {**VERSIONS, "numpy": "2.5.0"}
    noisy = _model(threshold=1.5 + model_diff.NOISE / 2)
    assert model_diff.compare(_model(), noisy, other) == []
    assert "comparing within 0.001" in capsys.readouterr().out
    # bit for bit on the recorded versions: the same noise is a difference
    assert model_diff.compare(_model(), noisy, VERSIONS)
