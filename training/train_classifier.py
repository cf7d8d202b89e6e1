"""Rebuild the shipped classifier: ``src/immuno/detect/model/classifier.bin``.

    pip install -e '.[train]'
    python training/train_classifier.py            # data in ../shared/data
    python training/train_classifier.py --data DIR --check   # rebuild and compare

One logistic regression (liblinear, deterministic) per channel, fitted on
``train.jsonl`` for a few regularisation strengths; the strength and the operating
threshold of each channel are picked on ``dev.jsonl``, and the model is written.
``test.jsonl`` is never read here. Texts go through the same normalisation and
feature hashing the runtime uses.

- ``user``: fitted on user texts only (prompts and jailbreaks read as a whole).
- ``tool``: fitted on every row, with clause windows (see ``features.py``) of benign
  tool output as extra negatives, the attack strings found inside poisoned documents
  as extra positives, and three kinds of benign twins against shortcuts: the same
  document with benign words where the attack was (``insertion_twins``), tables with
  half their rows (``table_variants``), and tool-response templates around a benign
  sentence (``template_twins``).

Tool-output features are scaled NBSVM-style (Wang & Manning 2012) before the
regression (``SCALED`` says why user texts are not): each column by its log-count
ratio ``r`` (``log_count_ratio``), so a feature seen mostly in one class starts out
weighted towards it. ``r`` is folded into the weights that
are written (``w * r``), so scoring stays one sparse dot product.

The threshold sits ``THRESHOLD_GAP`` above the highest benign dev logit it lets
through (``place_threshold``): the detect layer rounds scores to 4 decimals.

The whole run is deterministic (liblinear with a fixed seed, no threads, hashing
without salt): ``--check`` rebuilds the model and exits non-zero unless it matches
the shipped file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from immuno.detect.classifier import (
    BUILTIN_MODEL,
    CHANNELS,
    Classifier,
    encode_model,
    place_threshold,
)
from immuno.detect.features import DIM, bias_index, extract
from immuno.detect.normalize import normalize

REPO = Path(__file__).resolve().parent.parent
# ``../shared/data`` beside the repository (or beside a folder holding it).
DEFAULT_DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)
DEFAULT_OUT = REPO / "src" / "immuno" / "detect" / BUILTIN_MODEL
# Regularisation strengths tried per channel (liblinear's C); dev picks one.
C_VALUES = {"user": (64.0, 256.0, 1024.0), "tool": (16.0, 64.0, 256.0)}
# Additive smoothing of the feature counts behind the log-count ratios.
ALPHA = 1.0
# Which channels are NBSVM-scaled. On dev, scaling raised user-channel detection from
# 93.1% to 95.5%, but the scaled user model also blocked short, plain requests to an
# agent ("Reply to Bob's latest email saying I agree.") that dev hardly contains; the
# policy scenario suites (a development set) showed it. Tool outputs gain without it.
SCALED = {"user": False, "tool": True}
# Dev false-positive budgets, tighter than the targets (overall <= 1%, tool outputs
# <= 0.5%) to leave room for test noise and for the signatures' own false positives.
# Both were lowered after the policy scenario suites (development sets) showed what
# dev does not hold. User: at 0.7% the threshold blocked plain requests to an agent
# ("Go through the open support queue and answer what you can."); 0.4% lets them
# through at a cost of about 3 points of dev detection. Tool: at 0.3% customer
# emails and tickets ("My tenancy ref is TN-2043. Could you refund the difference
# please?") sat within a logit above or below the threshold; 0.1% lets them through
# at a cost of under one point of dev detection of the classifier alone.
FP_BUDGET = {"user": 0.004, "tool": 0.001}


def load(data: Path, split: str) -> list[dict[str, Any]]:
    path = data / f"{split}.jsonl"
    if not path.exists():
        sys.exit(f"error: {path} not found; pass --data DIR (the folder with {split}.jsonl)")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


Vector = tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]]


def _vectors(text: str, channel: str, windows: bool) -> list[Vector]:
    """The whole text's features (bucket indices and occurrence weights) and, when
    asked, those of every other window."""
    found = extract(normalize(text).text, channel)
    bias = np.array([bias_index(channel)], dtype=np.uint32)
    parts = [(found.all(), found.all_weights())]
    if windows:
        parts += [found.window(s, e) for s, e in found.windows()[::2]]
    return [(np.append(index, bias), np.append(weight, 1.0)) for index, weight in parts]


def insertions(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, int]]:
    """Poisoned documents whose clean twin is in the same split, each with the range
    ``[start, end)`` of its text that was inserted into the twin: the attack."""
    clean: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row["label"] == "benign" and row["channel"] == "tool":
            clean.setdefault((row["source"], row["text"][:40]), []).append(row["text"])
            clean.setdefault((row["source"], row["text"][-40:]), []).append(row["text"])
    found = []
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
                found.append((row, head, len(text) - tail))
                break
    return found


def inserted_attacks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attack strings inside poisoned documents, as extra positives.

    A poisoned context is its clean twin with one attack inserted, so the difference
    is a clean positive example; the window scores at run time need exactly that.
    With its surroundings only: many inserted attacks ("What is the capital of
    Brazil?") are harmless on their own, outside a document.
    """
    return [
        {**row, "text": row["text"][max(0, start - 150) : end + 150]}
        for row, start, end in insertions(rows)
    ]


# Characters at the seams of an insertion: line breaks, punctuation, fences, bullets.
_SEAM = " \n\t.?!:;,`'\"|()[]{}<>*#-"


def insertion_twins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For every inserted attack, the same document with benign words in its place.

    The words are a sentence of benign tool output; the characters that open and close
    the attack (line breaks, "?", a code fence) are kept. Without these twins the seams
    of an insertion stand for "attack": a table row ending in a "?" cell ("? | ") read
    like a question slipped between two rows.
    """
    pool = benign_sentences(rows)
    extra = []
    for row, start, end in insertions(rows):
        text = row["text"]
        attack = text[start:end]
        lead = attack[: len(attack) - len(attack.lstrip(_SEAM))]
        trail = attack[len(attack.rstrip(_SEAM)) :]
        digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
        words = pool[digest % len(pool)].strip(_SEAM)
        twin = text[:start] + lead + words + trail + text[end:]
        # The whole document, and the same stretch ``inserted_attacks`` cuts out.
        fragment = twin[max(0, start - 150) : start + len(lead + words + trail) + 150]
        extra += [{**row, "label": "benign", "text": t} for t in (twin, fragment)]
    return extra


def table_variants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two more benign copies of every benign table, each with half of its rows.

    About a fifth of the tool-output attacks hide in a table, but tables are a small share
    of benign tool output, so table syntax itself (" | ") leaned towards "attack" and
    long tables of numbers were blocked.
    """
    extra = []
    for row in rows:
        if row["label"] != "benign" or row["channel"] != "tool":
            continue
        lines = row["text"].splitlines()
        if len(lines) < 5 or not all(line.lstrip().startswith("|") for line in lines[:2]):
            continue
        for part in (lines[1::2], lines[2::2]):
            extra.append({**row, "text": "\n".join([lines[0], *part])})
    return extra


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


TEMPLATED = "uiuc-kang-lab/InjecAgent"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def template_twins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that stop a model learning a tool-response template instead of the
    instruction inside it.

    InjecAgent's poisoned responses are a few templates (a repository listing, a
    product review, ...) with an instruction in one field; in train each template
    holds about ten attacks for every benign filling, so its JSON alone predicts
    "attack". Each attack gets a benign twin, the same template around a sentence
    from benign tool output, and its instruction is added alone as a positive. A
    template's fixed text is what all its benign fillings share.
    """
    fillings: dict[str, list[str]] = {}
    for row in rows:
        if row["source"] == f"{TEMPLATED}:benign-filled":
            fillings.setdefault(row["text"][:30], []).append(row["text"])
    templates = []
    for texts in fillings.values():
        if len(texts) >= 3:
            head = len(_common_prefix(min(texts), max(texts)))
            reversed_texts = [t[::-1] for t in texts]
            tail = len(_common_prefix(min(reversed_texts), max(reversed_texts)))
            templates.append((texts[0][:head], texts[0][len(texts[0]) - tail :]))
    pool = benign_sentences(rows)
    extra = []
    for row in rows:
        text = row["text"]
        if row["source"] != TEMPLATED:
            continue
        for prefix, suffix in templates:
            if (
                text.startswith(prefix)
                and text.endswith(suffix)
                and len(text) > len(prefix + suffix)
            ):
                digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
                filler = pool[digest % len(pool)]
                extra.append({**row, "label": "benign", "text": prefix + filler + suffix})
                extra.append({**row, "text": text[len(prefix) : len(text) - len(suffix)]})
                break
    return extra


def benign_sentences(rows: list[dict[str, Any]]) -> list[str]:
    """Sentences of benign tool output (emails, tables, command docs), 25-220 chars."""
    found: set[str] = set()
    for row in rows:
        if row["label"] != "benign" or row["channel"] != "tool":
            continue
        if row["source"].startswith(("microsoft/BIPIA:email", "microsoft/BIPIA:table")):
            pieces = [" ".join(s.split()) for s in _SENTENCE.split(row["text"])]
        elif row["source"] == "tldr-pages/tldr":
            lines = row["text"].splitlines()
            pieces = [line[2:].rstrip(":") for line in lines if line.startswith(("> ", "- "))]
        else:
            continue
        found.update(p for p in pieces if 25 <= len(p) <= 220)
    return sorted(found)


def matrix(
    rows: list[dict[str, Any]], windows: bool = False
) -> tuple[sparse.csr_matrix, npt.NDArray[np.int8]]:
    indptr = [0]
    indices: list[npt.NDArray[np.uint32]] = []
    values: list[npt.NDArray[np.float64]] = []
    y: list[int] = []
    for row in rows:
        benign = row["label"] == "benign"
        for index, weight in _vectors(row["text"], row["channel"], windows and benign):
            indices.append(index)
            values.append(weight / math.sqrt(weight.sum()))
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
    benign = logits[y == 0]
    threshold = place_threshold(benign, budget)
    tpr = float((logits[y == 1] >= threshold).mean()) if (y == 1).any() else 0.0
    fpr = float((benign >= threshold).mean())
    return threshold, tpr, fpr


def platt_slope(logits: npt.NDArray[np.float64], y: npt.NDArray[np.int8]) -> float:
    model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    model.fit(logits.reshape(-1, 1), y)
    return max(float(model.coef_[0, 0]), 0.1)


def log_count_ratio(x: sparse.csr_matrix, y: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
    """Per feature, log((p / |p|1) / (q / |q|1)), where p and q count the attack and
    the benign vectors holding it, each plus ``ALPHA`` (NBSVM's ratio)."""
    present = x.copy()
    present.data = np.ones_like(present.data)
    p = np.asarray(present[y == 1].sum(axis=0)).ravel() + ALPHA
    q = np.asarray(present[y == 0].sum(axis=0)).ravel() + ALPHA
    ratio: npt.NDArray[np.float64] = np.log((p / p.sum()) / (q / q.sum()))
    return ratio


def _shipped(weights: npt.NDArray[np.float16], intercept: float) -> Classifier:
    """Both channels exactly as they will ship (float16 weights), without calibration."""
    point = {"intercept": intercept, "threshold": 0.0, "slope": 1.0}
    return Classifier(
        encode_model(
            {name: weights for name in CHANNELS}, {"channels": dict.fromkeys(CHANNELS, point)}
        )
    )


def training_rows(rows: list[dict[str, Any]], channel: str) -> list[dict[str, Any]]:
    if channel == "user":
        user = [row for row in rows if row["channel"] == "user"]
        return user + sentence_negatives(user)
    extra = inserted_attacks(rows) + insertion_twins(rows) + table_variants(rows)
    return rows + extra + template_twins(rows)


_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
SENTENCES_PER_TEXT = 8


def sentence_negatives(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sentences of benign user texts, as extra negatives.

    Benign prompts in train are long (an instruction with its input), so without these
    the model reads any short request as suspicious: "Tell Owen I will be late." once
    scored like a jailbreak. Up to ``SENTENCES_PER_TEXT`` sentences (12+ chars) of each
    benign text that has more than one.
    """
    extra = []
    for row in rows:
        if row["label"] != "benign":
            continue
        parts = [part.strip() for part in _SPLIT.split(row["text"])]
        parts = [part for part in parts if len(part) >= 12]
        if len(parts) > 1:
            extra += [{**row, "text": part} for part in parts[:SENTENCES_PER_TEXT]]
    return extra


def fit_channel(
    channel: str, train_rows: list[dict[str, Any]], dev_rows: list[dict[str, Any]]
) -> tuple[npt.NDArray[np.float16], dict[str, float], dict[str, Any]]:
    """The best of ``C_VALUES`` on dev for one channel: folded weights, operating point."""
    x_train, y_train = matrix(training_rows(train_rows, channel), windows=True)
    if SCALED[channel]:
        ratio = log_count_ratio(x_train, y_train)
        x_train = (x_train @ sparse.diags(ratio)).tocsr()
    else:
        ratio = np.ones(x_train.shape[1])
    print(f"{channel}: {x_train.shape[0]:,} training vectors", flush=True)
    dev = [row for row in dev_rows if row["channel"] == channel]
    y_dev = labels(dev)
    dev_text = [normalize(row["text"]).text for row in dev]
    budget = FP_BUDGET[channel]
    best: tuple[float, float, float, npt.NDArray[np.float16], npt.NDArray[np.float64]] | None
    best = None
    report: dict[str, Any] = {"candidates": []}
    for c in C_VALUES[channel]:
        model = LogisticRegression(C=c, solver="liblinear", max_iter=200, random_state=0)
        model.fit(x_train, y_train)
        # The ratio folded in: w . (x * r) == (w * r) . x, one dot product at run time.
        weights = (model.coef_[0] * ratio).astype(np.float16)
        intercept = float(model.intercept_[0])
        probe = _shipped(weights, intercept)
        logits = np.array([probe.logit(text, channel) for text in dev_text])
        tpr = operating_point(logits, y_dev, budget)[1]
        report["candidates"].append({"C": c, "dev_tpr": tpr})
        print(f"{channel} C={c:g}: dev TPR {tpr:.4f}", flush=True)
        if best is None or tpr > best[0]:
            best = (tpr, c, intercept, weights, logits)
    assert best is not None
    _, c, intercept, weights, logits = best
    threshold, tpr, fpr = operating_point(logits, y_dev, budget)
    slope = platt_slope(logits - threshold, y_dev)
    point = {
        "intercept": round(intercept, 6),
        "threshold": round(threshold, 6),
        "slope": round(slope, 6),
        "C": c,
    }
    report.update(tpr=tpr, fpr=fpr, threshold=threshold)
    print(f"dev {channel}: threshold {threshold:.4f} TPR {tpr:.4f} FPR {fpr:.4f}", flush=True)
    return weights, point, report


def train(data: Path) -> tuple[bytes, dict[str, Any]]:
    train_rows, dev_rows = load(data, "train"), load(data, "dev")
    weights: dict[str, npt.NDArray[np.float16]] = {}
    channels: dict[str, dict[str, float]] = {}
    report: dict[str, Any] = {}
    for channel in CHANNELS:
        weights[channel], channels[channel], report[channel] = fit_channel(
            channel, train_rows, dev_rows
        )
    header = {
        "channels": channels,
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
        diff = max(float(np.abs(shipped.weights[c] - rebuilt.weights[c]).max()) for c in CHANNELS)
        same = args.out.read_bytes() == blob
        print(f"bit-for-bit identical: {same}; max |weight difference|: {diff:.3g}")
        sys.exit(0 if same or diff < 1e-3 else 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    print(f"wrote {args.out} ({len(blob):,} bytes, sha256 {hashlib.sha256(blob).hexdigest()})")


if __name__ == "__main__":
    main()
