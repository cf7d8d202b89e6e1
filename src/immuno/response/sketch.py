"""Near-duplicate sketches: does this text say what another one said, nearly verbatim?

A relayed payload is rarely byte-identical: the relaying agent puts "Forwarding:" or
its own name on top, re-wraps it, changes a counter. The exact ``fingerprint`` misses
that; a MinHash sketch (Broder 1997) of the text's word 3-shingles does not. Two texts'
sketches agree in each position with probability equal to the Jaccard similarity J of
their shingle sets, so the share of agreeing positions estimates it. A forward is the
text plus a header: what matters is how much of the shorter text the longer one
contains, the overlap coefficient |A ∩ B| / min(|A|, |B|) = J (|A| + |B|) /
((1 + J) min(|A|, |B|)), which the sketch's J and the two shingle counts give.

Lookups use locality-sensitive hashing: the sketch is cut into bands of ``ROWS``
values; texts that share any band are candidates, then compared by their estimate.

Words are hashed with CRC-32 (deterministic across processes and runs, unlike
``hash()``), shingles and permutations with 64-bit multiply-add in numpy.
"""

from __future__ import annotations

import re
import zlib
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

SIZE = 64  # minhash values per sketch
ROWS = 4  # values per LSH band: 16 bands; a pair at Jaccard 0.7 shares one with p > 0.99
SHINGLE = 3  # words per shingle
MIN_WORDS = 8  # shorter texts ("ok", "thanks, done") repeat honestly: no sketch
MAX_WORDS = 128  # a longer text is sketched on its first words (cost stays bounded)
MAX_CHARS = 8 * MAX_WORDS  # ... found in its first characters

_WORD = re.compile(r"\w+")
_rng = np.random.default_rng(0x1A5E)  # fixed: sketches must agree across processes
_MULT = _rng.integers(1, 2**63, size=SIZE, dtype=np.uint64) | np.uint64(1)
_ADD = _rng.integers(0, 2**63, size=SIZE, dtype=np.uint64)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


class Sketch(NamedTuple):
    values: npt.NDArray[np.uint64]
    shingles: int


def sketch(text: str) -> Sketch | None:
    """The MinHash sketch of ``text`` (case and punctuation ignored), or None when it
    has fewer than ``MIN_WORDS`` words (about 30 µs a short message, 60 µs from 128
    words on)."""
    words = _WORD.findall(text[:MAX_CHARS].casefold())
    if len(words) < MIN_WORDS:
        return None
    kept = words[:MAX_WORDS]
    hashed = np.fromiter(map(zlib.crc32, map(str.encode, kept)), np.uint64, len(kept))
    n = len(hashed) - SHINGLE + 1
    with np.errstate(over="ignore"):  # wrapping arithmetic is the hash
        shingles = hashed[:n] * _MIX[0] + hashed[1 : n + 1] * _MIX[1] + hashed[2:] * _MIX[2]
        mixed = np.outer(_MULT, shingles) + _ADD[:, None]
    return Sketch(mixed.min(axis=1), len(set(shingles.tolist())))


def bands(sk: Sketch) -> list[bytes]:
    """The LSH keys of a sketch, one per band: the band's number, then its values."""
    raw = sk.values.tobytes()
    width = 8 * ROWS
    return [bytes((i,)) + raw[i * width : (i + 1) * width] for i in range(SIZE // ROWS)]


def jaccard(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return int(np.count_nonzero(a.values == b.values)) / SIZE


def overlap(a: Sketch, b: Sketch) -> float:
    """Estimated share of the shorter text's shingles that the other contains."""
    j = jaccard(a, b)
    return min(1.0, j * (a.shingles + b.shingles) / ((1.0 + j) * min(a.shingles, b.shingles)))
