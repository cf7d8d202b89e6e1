"""Vaccines: attacks an operator adds to immune memory, and their near-variants.

A vaccine is kept as the set of hashed character 5-grams of its normalised words.
A text carries the vaccine when most of those shingles occur in it (containment, not
Jaccard), so a variant that is padded with other text, has its sentences reordered
or a few words changed still matches, while one shared phrase does not.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import numpy.typing as npt

from immuno.core.errors import InputError
from immuno.detect.schema import migrate
from immuno.store.base import Store

SHINGLE = 5
MIN_SHINGLES = 12  # shorter texts would match too much to be useful vaccines
_P = np.uint64(1099511628211)
_NON_WORD = re.compile(r"[\W_]+")

U64 = npt.NDArray[np.uint64]


def shingles(text: str) -> U64:
    """Sorted unique hashes of the character 5-grams of ``text``'s words."""
    cleaned = " ".join(_NON_WORD.sub(" ", text.lower()).split()).encode("utf-8", "replace")
    raw = np.frombuffer(cleaned, dtype=np.uint8).astype(np.uint64)
    if len(raw) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(len(raw) - SHINGLE + 1, dtype=np.uint64)
    for k in range(SHINGLE):
        h = h * _P + raw[k : len(raw) - SHINGLE + 1 + k]
    return np.unique(h)


class VaccineBank:
    """Vaccines in memory for matching, persisted in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        migrate(store)
        self.ids: list[str] = []
        self.texts: list[str] = []
        self._sets: list[U64] = []
        for ident, text, blob in store.query(
            "SELECT id, text, shingles FROM detect_vaccine ORDER BY added_at, id"
        ):
            self._remember(ident, text, np.frombuffer(blob, dtype=np.uint64))

    def _remember(self, ident: str, text: str, hashes: U64) -> None:
        self.ids.append(ident)
        self.texts.append(text)
        self._sets.append(hashes)

    def add(self, text: str, normalized: str, at: float) -> str:
        """Store a vaccine; returns its id (the same text twice is one vaccine)."""
        hashes = shingles(normalized)
        if len(hashes) < MIN_SHINGLES:
            raise InputError("vaccine", f"too short to be a useful vaccine: {text[:40]!r}")
        ident = "vac_" + hashlib.sha256(normalized.encode()).hexdigest()[:16]
        if ident in self.ids:
            return ident
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO detect_vaccine (id, text, shingles, added_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (ident, text, hashes.astype("<u8").tobytes(), at),
            )
        self._remember(ident, text, hashes)
        return ident

    def match(self, normalized: str) -> tuple[str, float] | None:
        """The best-matching vaccine and the share of its shingles found in the text."""
        if not self._sets:
            return None
        found = shingles(normalized)
        if not len(found):
            return None
        best: tuple[str, float] | None = None
        for ident, hashes in zip(self.ids, self._sets, strict=True):
            share = float(np.isin(hashes, found, assume_unique=True).mean())
            if best is None or share > best[1]:
                best = (ident, share)
        return best
