"""Fitting one channel's model: vectors, NBSVM scaling, logistic regression, and the
operating threshold chosen on dev by a stated rule.

Texts go through the runtime's own normalisation and feature hashing, so the model
sees in training exactly what it sees at run time. Feature vectors are cached per
text, so the folds of a leave-one-family-out run share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from immuno.detect.classifier import CHANNELS, Classifier, encode_model, place_threshold
from immuno.detect.features import DIM, bias_index, extract
from immuno.detect.normalize import normalize
from immuno.detect.scripts import script_group

from data import Row, families_of

# Additive smoothing of the feature counts behind the NBSVM log-count ratios.
ALPHA = 1.0
# A long benign document adds at most this many of its windows as extra negatives
# (evenly spread): enough to teach that a piece of a document is not an attack,
# without letting long documents dominate the fit.
MAX_WINDOWS = 8

Vector = tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Setting:
    """The hyper-parameters of one channel's model."""

    c: float
    scaled: bool
    # Tool channel only: benign user requests are among the negatives.
    user_benign: bool = True
    # A feature may count towards "attack" only if attacks of at least this many
    # source families hold it (``shared_support``); 1 keeps every feature.
    support: int = 1


# Channels whose features read text in Latin letters (``immuno/detect/latin.py``); set
# by the scripts before any vector is made, and recorded in the model's header.
LATIN: frozenset[str] = frozenset()


@dataclass
class VectorCache:
    """Feature vectors per (text, channel, with windows)."""

    found: dict[tuple[str, str, bool], list[Vector]] = field(default_factory=dict)

    def vectors(self, text: str, channel: str, windows: bool) -> list[Vector]:
        key = (text, channel, windows)
        if key not in self.found:
            self.found[key] = _vectors(text, channel, windows)
        return self.found[key]


def _vectors(text: str, channel: str, windows: bool) -> list[Vector]:
    """The whole text's features (bucket indices, occurrence weights, normalised as at
    run time) and, when asked, those of up to ``MAX_WINDOWS`` of its windows."""
    found = extract(normalize(text).text, channel, latin=channel in LATIN)
    bias = np.array([bias_index(channel)], dtype=np.uint32)
    parts = [(found.all(), found.all_weights())]
    if windows:
        spans = found.windows()
        if len(spans) > MAX_WINDOWS:
            picks = np.linspace(0, len(spans) - 1, MAX_WINDOWS).round().astype(int)
            spans = [spans[i] for i in picks]
        parts += [found.window(s, e) for s, e in spans]
    out = []
    for index, weight in parts:
        index, weight = np.append(index, bias), np.append(weight, 1.0)
        out.append((index, weight / math.sqrt(weight.sum())))
    return out


@dataclass
class Matrix:
    """Training vectors: features, labels (1 = attack) and each vector's source
    family (the attack's family for a planted attack)."""

    x: sparse.csr_matrix
    y: npt.NDArray[np.int8]
    family: npt.NDArray[np.str_]


def matrix(rows: list[Row], channel: str, cache: VectorCache) -> Matrix:
    """Rows read on ``channel``; benign rows add their windows as negatives."""
    indices: list[npt.NDArray[np.uint32]] = []
    values: list[npt.NDArray[np.float64]] = []
    indptr, y, family = [0], [], []
    for row in rows:
        benign = row["label"] == "benign"
        name = families_of(row)[0]
        for index, weight in cache.vectors(row["text"], channel, benign):
            indices.append(index)
            values.append(weight)
            indptr.append(indptr[-1] + len(index))
            y.append(0 if benign else 1)
            family.append(name)
    built = sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices).astype(np.int64), np.array(indptr)),
        shape=(len(indptr) - 1, DIM),
    )
    built.sum_duplicates()
    return Matrix(built, np.array(y, dtype=np.int8), np.array(family))


def log_count_ratio(x: sparse.csr_matrix, y: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
    """Per feature, log((p / |p|1) / (q / |q|1)), where p and q count the attack and
    the benign vectors holding it, each plus ``ALPHA`` (Wang & Manning 2012)."""
    present = x.copy()
    present.data = np.ones_like(present.data)
    p = np.asarray(present[y == 1].sum(axis=0)).ravel() + ALPHA
    q = np.asarray(present[y == 0].sum(axis=0)).ravel() + ALPHA
    ratio: npt.NDArray[np.float64] = np.log((p / p.sum()) / (q / q.sum()))
    return ratio


@dataclass
class Fitted:
    weights: npt.NDArray[np.float16]
    intercept: float

    def classifier(self) -> Classifier:
        """Both channels exactly as they will ship (float16 weights), uncalibrated."""
        point = {"intercept": self.intercept, "threshold": 0.0, "slope": 1.0}
        blob = encode_model(dict.fromkeys(CHANNELS, self.weights), model_header(point))
        return Classifier(blob)


def model_header(params: dict[str, Any]) -> dict[str, Any]:
    """A header that gives both channels ``params`` (a model where one channel is read)."""
    latin = {"latin": sorted(LATIN)} if LATIN else {}
    return {"channels": dict.fromkeys(CHANNELS, params), **latin}


def attack_families(built: Matrix) -> npt.NDArray[np.int64]:
    """Per feature, how many source families' attacks hold it."""
    present = built.x.copy()
    present.data = np.ones_like(present.data)
    attack = built.y == 1
    count = np.zeros(DIM, dtype=np.int64)
    for name in np.unique(built.family[attack]):
        rows = present[attack & (built.family == name)]
        count += np.asarray(rows.sum(axis=0)).ravel() > 0
    return count


def shared_support(
    ratio: npt.NDArray[np.float64], built: Matrix, support: int
) -> npt.NDArray[np.float64]:
    """``ratio`` with every attack-leaning feature held by fewer than ``support``
    attack families set to 0, so the model cannot use it.

    A feature only one family's attacks hold is that family's wording (its template,
    its tool names, its pet phrase): it fits the family and says nothing of the next
    one. Benign-leaning features are kept, so what keeps false alarms down is whole."""
    if support <= 1:
        return ratio
    return np.where((ratio > 0) & (attack_families(built) < support), 0.0, ratio)


def fit(built: Matrix, settings: list[Setting]) -> dict[Setting, Fitted]:
    """One deterministic liblinear fit per setting (the dual problem: far faster with
    many more features than vectors); the NBSVM ratio is folded into the
    weights (``w . (x * r) == (w * r) . x``), so scoring stays one dot product."""
    fitted = {}
    x, y = built.x, built.y
    full_ratio = log_count_ratio(x, y)
    for setting in settings:
        if setting.support > 1 and not setting.scaled:
            raise ValueError("support above 1 needs the scaled (NBSVM) features")
        ratio = shared_support(full_ratio, built, setting.support)
        scaled = (x @ sparse.diags(ratio)).tocsr()
        model = LogisticRegression(
            C=setting.c, solver="liblinear", dual=True, tol=1e-3, max_iter=1000, random_state=0
        )
        model.fit(scaled if setting.scaled else x, y)
        coef = model.coef_[0] * ratio if setting.scaled else model.coef_[0]
        fitted[setting] = Fitted(coef.astype(np.float16), float(model.intercept_[0]))
    return fitted


@dataclass
class Operating:
    threshold: float
    tpr: float
    fpr: float


def operating_point(
    logits: npt.NDArray[np.float64], rows: list[Row], budget: float, cap: float
) -> Operating:
    y = np.array([row["label"] == "attack" for row in rows])
    names = [families_of(row)[0] for row in rows if row["label"] == "benign"]
    threshold = place_threshold(logits[~y], budget, names, cap)
    tpr = float((logits[y] >= threshold).mean()) if y.any() else 0.0
    return Operating(threshold, tpr, float((logits[~y] >= threshold).mean()))


def script_thresholds(
    logits: npt.NDArray[np.float64],
    texts: list[str],
    rows: list[Row],
    floor: float,
    budget: float,
    cap: float,
) -> dict[str, float]:
    """Per group of scripts (``immuno.detect.scripts``), the dev rule's threshold on the
    benign texts of that group, where it is above ``floor`` (the channel's threshold):
    a script the model met mostly in attacks is not evidence of one. ``texts`` are the
    rows' normalised texts, as scored and as the runtime reads their script."""
    groups = [script_group(text) for text in texts]
    found = {}
    for group in sorted({g for g in groups if g is not None}):
        benign = [i for i, g in enumerate(groups) if g == group and rows[i]["label"] == "benign"]
        if not benign:
            continue
        names = [families_of(rows[i])[0] for i in benign]
        threshold = place_threshold(logits[benign], budget, names, cap)
        if threshold > floor:
            found[group] = math.ceil(threshold * 1e6) / 1e6  # written with 6 decimals
    return found


def platt_slope(logits: npt.NDArray[np.float64], y: npt.NDArray[np.bool_]) -> float:
    """The slope that turns a logit (centred on the threshold) into a probability."""
    model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    model.fit(logits.reshape(-1, 1), y)
    return max(float(model.coef_[0, 0]), 0.1)


def logits_of(fitted: Fitted, texts: list[str], channel: str) -> npt.NDArray[np.float64]:
    probe = fitted.classifier()
    return np.array([probe.logit(text, channel) for text in texts])


def describe(point: Operating) -> dict[str, Any]:
    return {"threshold": point.threshold, "dev_tpr": point.tpr, "dev_fpr": point.fpr}
