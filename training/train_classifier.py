"""Rebuild the shipped classifier: ``src/immuno/detect/model/classifier.bin``.

    pip install -e '.[train]'
    python training/train_classifier.py            # data in ../shared/data
    python training/train_classifier.py --data DIR --check   # rebuild and compare

Fits logistic regression (liblinear, deterministic) on ``train.jsonl`` for a few
regularisation strengths, picks the strength and the per-channel operating
thresholds on ``dev.jsonl``, and writes the model. ``test.jsonl`` is never read here.
Texts go through the same normalisation and feature hashing the runtime uses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from immuno.detect.classifier import BUILTIN_MODEL, Classifier, encode_model
from immuno.detect.features import DIM, bias_index, extract
from immuno.detect.normalize import normalize

REPO = Path(__file__).resolve().parent.parent
# ``../shared/data`` beside the repository (or beside a folder holding it).
DEFAULT_DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)
DEFAULT_OUT = REPO / "src" / "immuno" / "detect" / BUILTIN_MODEL
C_VALUES = (4.0, 16.0)
# Dev false-positive budgets, tighter than the targets (overall <= 1%, tool outputs
# <= 0.5%) to leave room for test noise and for the signatures' own false positives.
# The user channel gets the larger share: tool outputs have the tighter target.
FP_BUDGET = {"user": 0.007, "tool": 0.003}


def load(data: Path, split: str) -> list[dict[str, Any]]:
    path = data / f"{split}.jsonl"
    if not path.exists():
        sys.exit(f"error: {path} not found; pass --data DIR (the folder with {split}.jsonl)")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _vectors(text: str, channel: str, windows: bool) -> list[npt.NDArray[np.uint32]]:
    """The whole text's features and, when asked, those of every other window."""
    found = extract(normalize(text).text, channel)
    bias = np.array([bias_index(channel)], dtype=np.uint32)
    out = [np.concatenate([found.all(), bias])]
    if windows:
        out += [np.concatenate([found.window(s, e), bias]) for s, e in found.windows()[::2]]
    return out


def inserted_attacks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attack strings inside poisoned documents whose clean twin is in the same split.

    A poisoned context is its clean twin with one attack inserted, so the difference
    is a clean positive example; the window scores at run time need exactly that.
    """
    clean: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row["label"] == "benign" and row["channel"] == "tool":
            clean.setdefault((row["source"], row["text"][:40]), []).append(row["text"])
            clean.setdefault((row["source"], row["text"][-40:]), []).append(row["text"])
    extra = []
    for row in rows:
        source = row["source"]
        if not source.endswith("-poisoned"):
            continue
        text, twin_source = row["text"], source.removesuffix("-poisoned")
        candidates = clean.get((twin_source, text[:40]), []) + clean.get(
            (twin_source, text[-40:]), []
        )
        for twin in candidates:
            head = len(_common_prefix(text, twin))
            tail = len(_common_prefix(text[::-1], twin[::-1]))
            tail = min(tail, len(twin) - head)
            if head + tail >= len(twin) - 5 and len(text) - tail > head:
                start, end = head, len(text) - tail
                # With its surroundings only: many inserted attacks ("What is the
                # capital of Brazil?") are harmless on their own, outside a document.
                extra.append({**row, "text": text[max(0, start - 150) : end + 150]})
                break
    return extra


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def matrix(
    rows: list[dict[str, Any]], windows: bool = False
) -> tuple[sparse.csr_matrix, npt.NDArray[np.int8]]:
    indptr = [0]
    indices: list[npt.NDArray[np.uint32]] = []
    values: list[npt.NDArray[np.float64]] = []
    y: list[int] = []
    for row in rows:
        benign = row["label"] == "benign"
        for index in _vectors(row["text"], row["channel"], windows and benign):
            indices.append(index)
            values.append(np.full(len(index), 1.0 / math.sqrt(len(index))))
            indptr.append(indptr[-1] + len(index))
            y.append(0 if benign else 1)
    built = sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices).astype(np.int64), np.array(indptr)),
        shape=(len(indptr) - 1, DIM),
    )
    built.sum_duplicates()
    return built, np.array(y, dtype=np.int8)


def labels(rows: list[dict[str, Any]]) -> npt.NDArray[np.int8]:
    return np.array([row["label"] == "attack" for row in rows], dtype=np.int8)


def operating_point(
    logits: npt.NDArray[np.float64], y: npt.NDArray[np.int8], budget: float
) -> tuple[float, float, float]:
    """Lowest threshold whose benign false-positive rate stays within ``budget``."""
    benign = np.sort(logits[y == 0])[::-1]
    allowed = math.floor(budget * len(benign))
    threshold = float(benign[allowed]) + 1e-6 if allowed < len(benign) else float(benign[-1])
    tpr = float((logits[y == 1] >= threshold).mean()) if (y == 1).any() else 0.0
    fpr = float((benign >= threshold).mean())
    return threshold, tpr, fpr


def platt_slope(logits: npt.NDArray[np.float64], y: npt.NDArray[np.int8]) -> float:
    model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    model.fit(logits.reshape(-1, 1), y)
    return max(float(model.coef_[0, 0]), 0.1)


def _shipped(model: LogisticRegression) -> Classifier:
    """The classifier exactly as it will ship (float16 weights), without calibration."""
    weights = model.coef_[0].astype(np.float16)
    return Classifier(
        encode_model(weights, {"intercept": float(model.intercept_[0]), "channels": {}})
    )


def train(data: Path) -> tuple[bytes, dict[str, Any]]:
    train_rows, dev_rows = load(data, "train"), load(data, "dev")
    x_train, y_train = matrix(train_rows + inserted_attacks(train_rows), windows=True)
    print(f"train: {x_train.shape[0]:,} vectors from {len(train_rows):,} rows", flush=True)
    y_dev = labels(dev_rows)
    dev_text = [normalize(r["text"]).text for r in dev_rows]
    dev_channel = np.array([row["channel"] for row in dev_rows])
    best: tuple[float, float, LogisticRegression, npt.NDArray[np.float64]] | None = None
    report: dict[str, Any] = {"candidates": []}
    for c in C_VALUES:
        model = LogisticRegression(C=c, solver="liblinear", max_iter=200, random_state=0)
        model.fit(x_train, y_train)
        probe = _shipped(model)
        logits = np.array([probe.logit(t, ch) for t, ch in zip(dev_text, dev_channel, strict=True)])
        tprs = []
        for channel, budget in FP_BUDGET.items():
            mask = dev_channel == channel
            tprs.append(operating_point(logits[mask], y_dev[mask], budget)[1])
        mean_tpr = float(np.mean(tprs))
        report["candidates"].append({"C": c, "dev_tpr_user": tprs[0], "dev_tpr_tool": tprs[1]})
        print(f"C={c:g}: dev TPR user {tprs[0]:.4f} tool {tprs[1]:.4f}", flush=True)
        if best is None or mean_tpr > best[0]:
            best = (mean_tpr, c, model, logits)
    assert best is not None
    _, c, model, logits = best
    weights = model.coef_[0].astype(np.float16)
    intercept = float(model.intercept_[0])
    channels: dict[str, dict[str, float]] = {}
    for channel, budget in FP_BUDGET.items():
        mask = dev_channel == channel
        threshold, tpr, fpr = operating_point(logits[mask], y_dev[mask], budget)
        slope = platt_slope(logits[mask] - threshold, y_dev[mask])
        channels[channel] = {"threshold": round(threshold, 6), "slope": round(slope, 6)}
        report[f"dev_{channel}"] = {"tpr": tpr, "fpr": fpr, "threshold": threshold}
        print(f"dev {channel}: threshold {threshold:.4f} TPR {tpr:.4f} FPR {fpr:.4f}", flush=True)
    header = {
        "intercept": round(intercept, 6),
        "channels": channels,
        "C": c,
        "train_sha256": hashlib.sha256((data / "train.jsonl").read_bytes()).hexdigest(),
    }
    return encode_model(weights, header), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of *.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="rebuild and compare with --out; write nothing"
    )
    args = parser.parse_args()
    if not (args.data / "train.jsonl").exists():
        sys.exit(f"error: no train.jsonl in {args.data}; pass --data DIR")
    blob, _ = train(args.data)
    if args.check:
        shipped = Classifier.from_file(args.out)
        rebuilt = Classifier(blob)
        diff = float(np.abs(shipped.weights - rebuilt.weights).max())
        same = args.out.read_bytes() == blob
        print(f"bit-for-bit identical: {same}; max |weight difference|: {diff:.3g}")
        sys.exit(0 if same or diff < 1e-3 else 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    print(f"wrote {args.out} ({len(blob):,} bytes, sha256 {hashlib.sha256(blob).hexdigest()})")


if __name__ == "__main__":
    main()
