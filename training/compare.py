"""Settings compared by leaving attack families out, the classifier alone.

    python training/compare.py --channel tool --support 1 2
    python training/compare.py --channel user --family verazuo/jailbreak_llms --support 1 2

For each attack family (default: every attack family with rows on the channel), the
channel's model is fitted on ``train_v2`` without the family, once per setting, and
its threshold is placed on ``dev_v2`` without the family at the channel's budget
(``train_classifier.FP_BUDGET``; no family cap). Printed: the share of the family's
train and dev attacks whose logit reaches it, and the dev detection at it. No
signatures, so the figures compare settings with each other; ``leave_one_out.py``
measures the whole layer. ``test_v2`` is never read.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
from immuno.detect.normalize import normalize

import augment
import data
import fit
import train_classifier


def threshold(
    logits: npt.NDArray[np.float64], benign: npt.NDArray[np.bool_], budget: float
) -> float:
    """The lowest logit that lets at most ``budget`` of the benign logits reach it."""
    ranked = np.sort(logits[benign])[::-1]
    return float(ranked[math.floor(budget * len(ranked))]) + 1e-6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA)
    parser.add_argument("--channel", choices=["tool", "user"], required=True)
    parser.add_argument("--family", action="append", help="only these attack families")
    parser.add_argument("--support", type=int, nargs="+", default=[1])
    parser.add_argument("--format-twins", action="store_true", help="add augment.format_twins")
    args = parser.parse_args()
    train_rows, dev_rows = data.load(args.data, "train"), data.load(args.data, "dev")
    base = train_classifier.CANDIDATES[args.channel][-1]
    settings = [dataclasses.replace(base, support=k) for k in args.support]
    seen = train_rows + dev_rows
    names = args.family or [
        name
        for name in data.families(seen, "attack")
        if any(r["channel"] == args.channel for r in data.of_family(seen, name, "attack"))
    ]
    cache = fit.VectorCache()
    budget = train_classifier.FP_BUDGET[args.channel]
    for name in names:
        kept = data.without(train_rows, name)
        rows = augment.training_rows(kept, args.channel, base.user_benign, args.format_twins)
        dev = [r for r in data.without(dev_rows, name) if r["channel"] == args.channel]
        benign = np.array([r["label"] == "benign" for r in dev])
        own = [r for r in data.of_family(seen, name, "attack") if r["channel"] == args.channel]
        for setting, fitted in fit.fit(fit.matrix(rows, args.channel, cache), settings).items():
            dev_logits = fit.logits_of(
                fitted, [normalize(r["text"]).text for r in dev], args.channel
            )
            cut = threshold(dev_logits, benign, budget)
            own_texts = [normalize(r["text"]).text for r in own]
            own_logits = fit.logits_of(fitted, own_texts, args.channel)
            result = {
                "family": name,
                "setting": dataclasses.asdict(setting),
                "left_out_detected": round(float((own_logits >= cut).mean()), 4),
                "n": len(own),
                "dev_detected": round(float((dev_logits[~benign] >= cut).mean()), 4),
            }
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
