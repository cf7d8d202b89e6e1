"""The public corpora in ``../shared/data`` (version 2), and their source families.

Rows are ``{"id", "text", "label", "channel", "source", "license"}``. A *family* is
where a row's text comes from: the upstream repository (the part of ``source`` before
``:``). Rows that plant an attack into another family's document belong to two: the
attack's family (``ATTACK_FAMILY_OF_PLANTED``) and the host's, named in ``license``.
Leaving a family out removes every row that belongs to it, so no fold sees its text
or its attacks.

Beside them, ``training/data`` holds corpora built here (``EXTRA``), each row tagged
with its split: benign text in 25 languages (``build_multilingual.py``), since the v2
benign side is almost all English. ``load(..., extra=True)`` adds their rows of the
split asked for: the benchmarks measure with them; the shipped model was fitted
without them (``training/README.md`` says why).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

Row = dict[str, Any]

REPO = Path(__file__).resolve().parent.parent
# ``../shared/data`` beside the repository (or beside a folder holding it).
DEFAULT_DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)
VERSION = "v2"
# Corpora kept in this repository, read with every split of ``../shared/data``.
EXTRA = (REPO / "training" / "data" / "multilingual_v1.jsonl.gz",)
PLANTED = "derived:asb-planted-in-v2-tool-text"
# The planted attacks are Agent Security Bench instructions.
ATTACK_FAMILY_OF_PLANTED = "agiresearch/ASB"
_HOST = re.compile(r"host source (\S+)")


def path_of(data: Path, split: str) -> Path:
    return data / f"{split}_{VERSION}.jsonl.gz"


def load(
    data: Path, split: str, *, extra: bool = False, channels: tuple[str, ...] = ("user", "tool")
) -> list[Row]:
    """One split (with ``extra``, also the rows of that split of the corpora in
    ``training/data`` on ``channels``); exits with a plain message when the corpora
    are missing."""
    path = path_of(data, split)
    if not path.exists():
        sys.exit(
            f"error: {path} not found. The public corpora live in ../shared/data beside "
            f"the repository; pass --data DIR (the folder with {path.name})."
        )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if not extra:
        return rows
    return rows + [
        row for row in extra_rows() if row["split"] == split and row["channel"] in channels
    ]


def add_extra_options(parser: argparse.ArgumentParser) -> None:
    """The two ways to use the corpora of ``training/data`` in a fit (both measured and
    not shipped: ``training/README.md``); :func:`extra_in` reads them back."""
    parser.add_argument(
        "--multilingual",
        action="store_true",
        help="fit on the corpora of training/data too, and let their dev rows choose",
    )
    parser.add_argument(
        "--multilingual-fit",
        action="store_true",
        help="fit on the corpora of training/data too; dev_v2 alone chooses",
    )
    parser.add_argument(
        "--multilingual-fit-user",
        action="store_true",
        help="as --multilingual-fit, with the corpora's user rows only",
    )


def extra_in(args: argparse.Namespace) -> tuple[bool, bool, tuple[str, ...]]:
    """Whether the corpora of ``training/data`` go into (train, dev), and the channels
    whose rows of them go into train."""
    fit = args.multilingual or args.multilingual_fit or args.multilingual_fit_user
    channels = ("user",) if args.multilingual_fit_user else ("user", "tool")
    return fit, args.multilingual, channels


def extra_rows() -> list[Row]:
    rows = []
    for path in EXTRA:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return rows


def sha256_of(data: Path, split: str) -> str:
    return hashlib.sha256(path_of(data, split).read_bytes()).hexdigest()


def extra_sha256() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in EXTRA}


def family(source: str) -> str:
    """The upstream repository of a source name."""
    return source.split(":", 1)[0]


def families_of(row: Row) -> tuple[str, ...]:
    """Every family a row's text belongs to (two for a planted attack)."""
    if row["source"] != PLANTED:
        return (family(row["source"]),)
    host = _HOST.search(row.get("license", ""))
    hosts = (family(host.group(1)),) if host else ()
    return (ATTACK_FAMILY_OF_PLANTED, *hosts)


def without(rows: list[Row], left_out: str) -> list[Row]:
    return [row for row in rows if left_out not in families_of(row)]


def of_family(rows: list[Row], name: str, label: str) -> list[Row]:
    """Rows of ``name`` with ``label``; a planted attack counts for its attack family
    only (its host family's benign text is measured on the host's benign rows)."""
    found = []
    for row in rows:
        if row["label"] != label:
            continue
        own = families_of(row)[0]
        if own == name:
            found.append(row)
    return found


def families(rows: list[Row], label: str) -> list[str]:
    return sorted({families_of(row)[0] for row in rows if row["label"] == label})
