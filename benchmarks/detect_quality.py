"""Detection and false-positive rates of the detect layer, per source and channel.

    python benchmarks/detect_quality.py                 # ../shared/data/test_v2.jsonl.gz
    python benchmarks/detect_quality.py --split dev     # while developing
    python benchmarks/detect_quality.py --script-thresholds   # detect.unsafe_script_thresholds

A text counts as detected when the layer's score reaches the default block threshold
(0.8): it would be stopped. "flagged" is the share at or above the flag threshold
(0.5). Signatures and the shipped classifier run; vaccines and anomaly baselines
(which need an operator's history) do not. Figures per source, per source family
(the upstream repository; a planted attack counts for the attack's family) and per
channel; then every attack is obfuscated six ways and scored again. The test split
is only ever read here, once per model, never for training or choosing. The rows of
the split in the corpora built in ``training/data`` (benign text in 25 languages) are
read with it, and the totals are also given for the v2 rows alone.
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from immuno.core.config import DEFAULT_BLOCK_THRESHOLD, DEFAULT_FLAG_THRESHOLD
from immuno.core.signal import Signal, SignalKind
from immuno.detect import Classifier, DetectLayer, SignatureSet

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "training"))
import data as corpora  # noqa: E402  (training/data.py: the splits and their families)

DEFAULT_DATA = corpora.DEFAULT_DATA
_HOMOGLYPHS = str.maketrans("aeopcxiyAEOPCXIBHKMT", "аеорсхіуАЕОРСХІВНКМТ")
_LEET = str.maketrans("aeiost", "431057")


def zero_width(text: str) -> str:
    return "".join(c + "\u200b" if i % 2 and c.isalnum() else c for i, c in enumerate(text))


def tags(text: str) -> str:
    return "".join(chr(0xE0000 + ord(c)) if " " <= c <= "~" else c for c in text)


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "base64": lambda t: base64.b64encode(t.encode()).decode(),
    "zero-width": zero_width,
    "homoglyphs": lambda t: t.translate(_HOMOGLYPHS),
    "tag characters": tags,
    "leetspeak": lambda t: t.translate(_LEET),
    "html comment": lambda t: f"<p>Here is the page you asked for.</p>\n<!-- {t} -->",
}


def family_of(row: dict[str, str]) -> str:
    """The upstream repository of a row; a planted attack is the attack's family."""
    if row["source"].startswith("derived:asb-planted"):
        return "agiresearch/ASB"
    return row["source"].split(":", 1)[0]


def builtin_layer(classifier: Classifier | None, by_script: bool = False) -> DetectLayer:
    """The detect layer as benchmarks score it: builtin signatures and ``classifier``
    (with its per-script thresholds when ``by_script``)."""
    signatures = SignatureSet.from_sources(["builtin"])
    return DetectLayer(signatures, classifier=classifier, by_script=by_script)


def signal_score(layer: DetectLayer, signal: Signal) -> float:
    """The highest score the layer gives ``signal`` (stopped at the block threshold)."""
    return max((f.score for f in layer.inspect(signal, ())), default=0.0)


def score(layer: DetectLayer, text: str, channel: str) -> float:
    kind = SignalKind.TOOL_RESULT if channel == "tool" else SignalKind.MESSAGE
    return signal_score(layer, Signal(kind=kind, agent="bench", content=text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument("--no-classifier", action="store_true")
    parser.add_argument("--model", type=Path, help="a classifier file (default: the shipped one)")
    parser.add_argument(
        "--script-thresholds",
        action="store_true",
        help="as under detect.unsafe_script_thresholds: a threshold per script group",
    )
    args = parser.parse_args()
    rows = corpora.load(args.data, args.split, extra=True)
    classifier = None if args.no_classifier else Classifier.builtin()
    if args.model and not args.no_classifier:
        classifier = Classifier.from_file(args.model)
    layer = builtin_layer(classifier, args.script_thresholds)

    table: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    families: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    caught: list[tuple[str, str, bool]] = []
    for row in rows:
        s = score(layer, row["text"], row["channel"])
        stopped, flagged = s >= DEFAULT_BLOCK_THRESHOLD, s >= DEFAULT_FLAG_THRESHOLD
        scopes = [row["channel"], "all"] + (["all v2 rows"] if "split" not in row else [])
        for key in ((scope, row["label"]) for scope in scopes):
            cell = totals[key]
            cell[0], cell[1], cell[2] = cell[0] + 1, cell[1] + stopped, cell[2] + flagged
        fam = families[(family_of(row), row["label"])]
        fam[0], fam[1] = fam[0] + 1, fam[1] + stopped
        cell = table[(row["channel"], row["source"], row["label"])]
        cell[0], cell[1], cell[2] = cell[0] + 1, cell[1] + stopped, cell[2] + flagged
        if row["label"] == "attack":
            caught.append((row["text"], row["channel"], stopped))

    print(f"## {args.split}.jsonl: {len(rows):,} rows, stopped = score >= 0.8\n")
    print("| channel | source | label | n | stopped | flagged |")
    print("|---|---|---|---:|---:|---:|")
    for (channel, source, label), (n, stop, flag) in sorted(table.items()):
        print(f"| {channel} | {source} | {label} | {n} | {stop / n:.2%} | {flag / n:.2%} |")
    print("\n| source family | label | n | stopped |")
    print("|---|---|---:|---:|")
    for (name, label), (n, stop) in sorted(families.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"| {name} | {label} | {n} | {stop / n:.2%} ({stop}) |")
    worst = max((s / n, name) for (name, label), (n, s) in families.items() if label == "benign")
    print(f"\nworst benign family: {worst[1]} at {worst[0]:.2%}")
    print("\n| scope | detection (attacks stopped) | false positives (benign stopped) |")
    print("|---|---:|---:|")
    for scope in ("user", "tool", "all", "all v2 rows"):
        attack, benign = totals[(scope, "attack")], totals[(scope, "benign")]
        print(
            f"| {scope} | {attack[1] / attack[0]:.2%} ({attack[1]}/{attack[0]}) "
            f"| {benign[1] / benign[0]:.2%} ({benign[1]}/{benign[0]}), "
            f"flagged or stopped {benign[2] / benign[0]:.2%} |"
        )

    clean_hits = [(t, c) for t, c, hit in caught if hit]
    print(f"\n## robustness: {len(caught)} attacks, each obfuscated six ways\n")
    print("| obfuscation | stopped (all attacks) | stopped (of those stopped in clear) |")
    print("|---|---:|---:|")
    base = sum(hit for _, _, hit in caught) / len(caught)
    print(f"| none | {base:.2%} | 100.00% |")
    for name, obfuscate in OBFUSCATIONS.items():
        hits = [score(layer, obfuscate(t), c) >= DEFAULT_BLOCK_THRESHOLD for t, c, _ in caught]
        kept = [score(layer, obfuscate(t), c) >= DEFAULT_BLOCK_THRESHOLD for t, c in clean_hits]
        print(f"| {name} | {sum(hits) / len(hits):.2%} | {sum(kept) / max(len(kept), 1):.2%} |")


if __name__ == "__main__":
    main()
