"""Leave-one-source-family-out: how the shipped design does on text it never saw.

    python training/leave_one_out.py                 # every family, ../shared/data
    python training/leave_one_out.py --family tldr-pages/tldr --jobs 2
    python training/leave_one_out.py --tool-c 4 --tool-user-benign yes   # another setting
    python training/leave_one_out.py --support 2       # another shared support
    python training/leave_one_out.py --family-cap 0.01 # another cap in the threshold rule
    python training/leave_one_out.py --multilingual    # the corpora of training/data in train and dev
    python training/leave_one_out.py --multilingual-fit   # ... in train only
    python training/leave_one_out.py --script-thresholds   # a threshold per script group

For each source family (``data.families_of``), the model of each channel the family
appears on is fitted again on ``train_v2`` without any row of that family (its
planted attacks and the extra rows derived from it go too), with the setting the
shipped model chose, and its threshold is placed on ``dev_v2`` without the family
by the same rule (``train_classifier.FP_BUDGET``, ``FAMILY_CAP``). Then the whole
detect layer (signatures and that classifier) reads the family's train and dev rows:
false positives for a benign family, detection for an attack family. ``test_v2`` is
never read. Results go to stdout as a table and to ``--json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from immuno.core.config import DEFAULT_BLOCK_THRESHOLD
from immuno.core.signal import Signal, SignalKind
from immuno.detect import Classifier, DetectLayer, SignatureSet
from immuno.detect.classifier import CHANNELS, encode_model
from immuno.detect.normalize import normalize

import augment
import data
import fit
import train_classifier

TARGET = {"benign": 0.02, "attack": 0.85}  # targets: FP at most, detection at least
# Filled once before the folds fork, so each fold reuses the vectors of every row it
# shares with the full training set instead of extracting them again.
CACHE = fit.VectorCache()
# With the corpora of ``training/data`` in train, in dev (``data.extra_in``); set before
# the folds fork. With either, the corpora's families are folds too.
EXTRA_TRAIN = EXTRA_DEV = False
EXTRA_CHANNELS: tuple[str, ...] = CHANNELS  # the channels whose corpus rows go into train
READ: tuple[str, ...] = CHANNELS  # the channels whose folds are fitted and read (--channel)
# Thresholds per group of scripts, placed on dev with those corpora's dev rows
# (``--script-thresholds``); the corpora's families are then read too.
SCRIPTS = False


def fold_classifier(
    channel: str,
    setting: fit.Setting,
    train_rows: list[data.Row],
    dev_rows: list[data.Row],
    cache: fit.VectorCache,
    script_dev: list[data.Row] | None = None,
) -> Classifier:
    """One channel fitted and placed without the left-out family (both channel rows
    carry it; only ``channel`` is read)."""
    rows = augment.training_rows(
        train_rows, channel, setting.user_benign, train_classifier.FORMAT_TWINS
    )
    fitted = fit.fit(fit.matrix(rows, channel, cache), [setting])[setting]
    dev = [row for row in dev_rows if row["channel"] == channel]
    logits = fit.logits_of(fitted, [normalize(r["text"]).text for r in dev], channel)
    budget = train_classifier.FP_BUDGET[channel]
    point = fit.operating_point(logits, dev, budget, train_classifier.FAMILY_CAP[channel])
    labels = np.array([row["label"] == "attack" for row in dev])
    params = {
        "intercept": fitted.intercept,
        "threshold": point.threshold,
        "slope": fit.platt_slope(logits - point.threshold, labels),
    }
    if script_dev is not None:
        rows = [row for row in script_dev if row["channel"] == channel]
        texts = [normalize(row["text"]).text for row in rows]
        params["scripts"] = fit.script_thresholds(
            fit.logits_of(fitted, texts, channel),
            texts,
            rows,
            point.threshold,
            budget,
            train_classifier.FAMILY_CAP[channel],
        )
    blob = encode_model(dict.fromkeys(CHANNELS, fitted.weights), fit.model_header(params))
    return Classifier(blob)


def train_rows_of(data_dir: Path, channel: str) -> list[data.Row]:
    """What ``channel``'s model is fitted on (as ``train_classifier.train`` does)."""
    extra = EXTRA_TRAIN and channel in EXTRA_CHANNELS
    return data.load(data_dir, "train", extra=extra, channels=EXTRA_CHANNELS)


def stopped(layer: DetectLayer, text: str, channel: str) -> bool:
    kind = SignalKind.TOOL_RESULT if channel == "tool" else SignalKind.MESSAGE
    signal = Signal(kind=kind, agent="loo", content=text)
    score = max((f.score for f in layer.inspect(signal, ())), default=0.0)
    return score >= DEFAULT_BLOCK_THRESHOLD


def run_family(name: str, data_dir: Path, settings: dict[str, fit.Setting]) -> list[dict[str, Any]]:
    dev_rows = data.load(data_dir, "dev", extra=EXTRA_DEV)
    seen = data.load(data_dir, "train", extra=EXTRA_TRAIN, channels=EXTRA_CHANNELS)
    seen += data.load(data_dir, "dev", extra=EXTRA_TRAIN, channels=EXTRA_CHANNELS)
    script_dev = None
    if SCRIPTS:
        script_dev = data.without(data.load(data_dir, "dev", extra=True), name)
        seen = data.load(data_dir, "train", extra=True) + data.load(data_dir, "dev", extra=True)
    signatures = SignatureSet.from_sources(["builtin"])
    cache = CACHE
    results, layers = [], {}
    for label in ("benign", "attack"):
        own = data.of_family(seen, name, label)
        for channel in READ:
            texts = [row["text"] for row in own if row["channel"] == channel]
            if not texts:
                continue
            if channel not in layers:
                model = fold_classifier(
                    channel,
                    settings[channel],
                    data.without(train_rows_of(data_dir, channel), name),
                    data.without(dev_rows, name),
                    cache,
                    script_dev,
                )
                layers[channel] = DetectLayer(signatures, classifier=model, by_script=SCRIPTS)
            layer = layers[channel]
            hits = sum(stopped(layer, text, channel) for text in texts)
            rate = hits / len(texts)
            met = rate <= TARGET[label] if label == "benign" else rate >= TARGET[label]
            result = {"family": name, "label": label, "channel": channel}
            results.append({**result, "n": len(texts), "stopped": hits, "rate": rate, "met": met})
            print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA)
    parser.add_argument("--model", type=Path, default=train_classifier.DEFAULT_OUT)
    parser.add_argument("--family", action="append", help="only these families")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--tool-c", type=float, help="try another tool C than the shipped one")
    parser.add_argument(
        "--tool-user-benign",
        choices=["yes", "no"],
        help="try the tool model with or without benign user requests as negatives",
    )
    parser.add_argument("--support", type=int, help="try another shared support (both channels)")
    parser.add_argument("--family-cap", type=float, help="try another FAMILY_CAP (both channels)")
    parser.add_argument("--json", type=Path, default=Path("leave_one_out.json"))
    data.add_extra_options(parser)
    train_classifier.add_latin_option(parser)
    parser.add_argument(
        "--script-thresholds", action="store_true", help="a threshold per group of scripts"
    )
    parser.add_argument(
        "--channel", action="append", choices=CHANNELS, help="fit and read only these channels"
    )
    parser.add_argument(
        "--format-twins", action="store_true", help="structured tool rows in every format"
    )
    args = parser.parse_args()
    global EXTRA_TRAIN, EXTRA_DEV, EXTRA_CHANNELS, SCRIPTS, READ
    EXTRA_TRAIN, EXTRA_DEV, EXTRA_CHANNELS = data.extra_in(args)
    SCRIPTS, READ = args.script_thresholds, tuple(args.channel or CHANNELS)
    fit.LATIN = frozenset(args.latin)  # read by every fold (they fork after this)
    train_classifier.FORMAT_TWINS = args.format_twins
    if args.family_cap is not None:  # read by every fold (they fork after this)
        train_classifier.FAMILY_CAP = dict.fromkeys(CHANNELS, args.family_cap)
    shipped = Classifier.from_file(args.model)
    settings = {
        c: fit.Setting(
            float(shipped.channels[c]["C"]),
            bool(shipped.channels[c]["scaled"]),
            bool(shipped.channels[c].get("user_benign", True)),
            int(shipped.channels[c].get("support", 1)),
        )
        for c in CHANNELS
    }
    tool = settings["tool"]
    settings["tool"] = fit.Setting(
        args.tool_c if args.tool_c is not None else tool.c,
        tool.scaled,
        tool.user_benign if args.tool_user_benign is None else args.tool_user_benign == "yes",
        tool.support,
    )
    if args.support is not None:
        settings = {c: dataclasses.replace(s, support=args.support) for c, s in settings.items()}
    print(f"settings: {settings}", flush=True)
    every = EXTRA_TRAIN or SCRIPTS  # the corpora's families are folds too
    seen = data.load(args.data, "train", extra=every) + data.load(args.data, "dev", extra=every)
    seen = [row for row in seen if row["channel"] in READ]
    names = args.family or sorted(
        set(data.families(seen, "benign")) | set(data.families(seen, "attack"))
    )
    for channel in READ:
        rows = augment.training_rows(
            train_rows_of(args.data, channel),
            channel,
            settings[channel].user_benign,
            train_classifier.FORMAT_TWINS,
        )
        fit.matrix(rows, channel, CACHE)
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=fork) as pool:
        futures = [pool.submit(run_family, n, args.data, settings) for n in names]
        results = [r for f in futures for r in f.result()]
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print("\n| family | label | channel | rows (train+dev) | stopped | target |")
    print("|---|---|---|---:|---:|---|")
    for r in sorted(results, key=lambda r: (r["label"], r["family"], r["channel"])):
        goal = (
            f"<= {TARGET['benign']:.0%}" if r["label"] == "benign" else f">= {TARGET['attack']:.0%}"
        )
        mark = "met" if r["met"] else "**missed**"
        print(
            f"| {r['family']} | {r['label']} | {r['channel']} | {r['n']} "
            f"| {r['rate']:.2%} ({r['stopped']}) | {goal}: {mark} |"
        )
    sys.exit(0)


if __name__ == "__main__":
    main()
