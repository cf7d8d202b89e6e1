"""Hashed text features for the shipped classifier, computed with numpy alone.

The same function feeds training (``training/train_classifier.py``) and scoring, so
the model sees at run time exactly what it saw when it was fitted. Three families of
features are hashed into one space of ``DIM`` buckets:

- byte n-grams (``NGRAM_SIZES``) of the lower-cased, whitespace-collapsed UTF-8 text
  (these carry spelling, punctuation and non-Latin scripts);
- word unigrams and bigrams (a word is a run of ASCII letters, digits, ``_`` or any
  non-ASCII byte);
- one bias bucket per channel.

Each channel has its own model, so features are not crossed with the channel.

Besides the whole text, windows are scored apart (``Features.windows``), so that one
injected paragraph, or in tool output one injected clause, is not diluted by the
document around it.

Hashes are polynomial rolling hashes modulo 2**32 followed by an integer mixer: stable
across processes and platforms, unlike Python's salted ``hash()``. In user text every
occurrence counts once; in tool output the k-th occurrence of a bucket counts
``log2(1 + 1/k)`` (``occurrence_weights``), so repeated layout weighs little. The
vector is scaled by ``1/sqrt(total weight)``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from immuno.detect.latin import as_latin

DIM_BITS = 20  # 2**20 buckets: fewer collisions; the model file stays near 3.3 MB
DIM = 1 << DIM_BITS
MAX_BYTES = 32_768  # longer texts are scored on their head and tail (16 KiB each)

_P = np.uint32(0x01000193)  # FNV prime: odd, so invertible modulo 2**32
_P_INV = np.uint32(pow(0x01000193, -1, 1 << 32))
_SEED_NGRAM = {3: 0x9E3779B1, 4: 0x85EBCA77, 5: 0xC2B2AE3D}
# Byte n-gram sizes hashed; 5-grams cost a third more features for what 4-grams and
# word bigrams already carry (``training/README.md`` has the dev comparison).
NGRAM_SIZES: tuple[int, ...] = (3, 4)
# Written into the model header: a model fitted on other features is refused.
FEATURE_VERSION = 4
_SEED_WORD = 0x27D4EB2F
_SEED_BIGRAM = 0x165667B1
_SEED_CHANNEL = {"user": 0x61C88647, "tool": 0x7FEB352D}

_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyz0123456789_":
    _WORD_BYTE[_c] = True
_WORD_BYTE[0x80:] = True

U32 = npt.NDArray[np.uint32]
F64 = npt.NDArray[np.float64]
_Sum = TypeVar("_Sum", np.float64, np.complex128)  # summed per byte (``by_position``)

# Channels whose repeated features count sublinearly (see ``occurrence_weights``).
SUBLINEAR = {"user": False, "tool": True}
# log2(1 + 1/k) for k = 1, 2, ...: no text holds more occurrences than this. Rounded to
# float32: numpy's float64 log2 takes another code path on AVX-512 machines (SVML),
# whose last bit can differ, and a model must be refitted bit for bit on any machine.
_DECAY = np.log2(1.0 + 1.0 / np.arange(1, 8 * MAX_BYTES + 1)).astype(np.float32).astype(float)
_RANKS = np.arange(len(_DECAY))
# The bits of a bucket above its low 16: one byte is one radix pass fewer to count.
_HIGH = np.uint8 if DIM_BITS <= 24 else np.uint16


def occurrence_weights(index: U32) -> F64:
    """The weight of each occurrence: log2(1 + 1/k) for the k-th one of its bucket,
    counted in order, so a bucket seen n times weighs log2(1 + n) in all.

    A long table repeats its layout (" | ") in every row; counted linearly, layout
    n-grams outweighed what the cells say."""
    n = len(index)
    if n == 0:
        return np.zeros(0)
    # Occurrences grouped by bucket, each bucket's in order: a stable sort, done as two
    # radix passes over 16-bit halves (several times faster than sorting 64-bit keys).
    low = index.astype(np.uint16).argsort(kind="stable")
    high = (index >> np.uint32(16)).astype(_HIGH)
    order = low[high[low].argsort(kind="stable")]
    buckets = index[order]
    # An occurrence's rank is its distance from the start of its bucket's run in
    # ``order``; runs are numbered by a running count of their starts.
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(buckets[1:], buckets[:-1], out=new[1:])
    run = new.cumsum(dtype=np.intp)
    run -= 1
    rank = _RANKS[:n] - new.nonzero()[0][run]
    weights = np.empty(n)
    weights[order] = _DECAY[rank]
    return weights


def _mix(values: U32, seed: int) -> U32:
    """A murmur3-style finaliser: spreads the rolling hash over all bits."""
    return _mixed(values ^ np.uint32(seed))


def _prepare(text: str) -> npt.NDArray[np.uint8]:
    data = " ".join(text.lower().split()).encode("utf-8", "replace")
    if len(data) > MAX_BYTES:
        half = MAX_BYTES // 2
        data = data[:half] + b" " + data[-half:]
    return np.frombuffer(data, dtype=np.uint8)


class Features:
    """Every feature occurrence of a text: bucket index, byte position where it starts
    and occurrence weight, all families side by side."""

    __slots__ = ("channel", "dense", "index", "length", "parts", "position", "weight")

    def __init__(
        self,
        indices: list[U32],
        positions: list[U32],
        length: int,
        channel: str,
        dense: int = 0,
    ) -> None:
        """``positions`` holds one array per family, each with at most one feature per
        byte; the first ``dense`` of them start at every byte (0, 1, 2 ...)."""
        if len(indices) == 1:
            self.index = indices[0]
        else:
            self.index = np.concatenate(indices) if indices else np.zeros(0, dtype=np.uint32)
        self.position = np.concatenate(positions) if positions else np.zeros(0, dtype=np.uint32)
        self.parts = [len(family) for family in positions]
        self.dense = dense
        sublinear = SUBLINEAR[channel] and len(self.index)
        self.weight = occurrence_weights(self.index) if sublinear else np.ones(len(self.index))
        self.length = length
        self.channel = channel

    def all(self) -> U32:
        return self.index

    def all_weights(self) -> F64:
        return self.weight

    def windows(self) -> list[tuple[int, int]]:
        """Byte ranges scored apart: WINDOW bytes every STRIDE bytes, and in tool
        output also CLAUSE bytes every CLAUSE // 2 (none longer than the text).

        An injection in a tool result is often one sentence in one field of a record
        the model has never seen ("Please unlock my front door." as a repository's
        description); a clause-sized window lets it stand on its own. User text is a
        message as a whole, so it gets no clause windows."""
        return [
            (start, start + size)
            for size, stride in self.window_kinds()
            for start in [*range(0, self.length - size, stride), self.length - size]
        ]

    def window_edges(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Starts and ends of ``windows()`` as arrays (shared, read only)."""
        return _window_edges(self.length, self.channel == "tool")

    def window_kinds(self) -> list[tuple[int, int]]:
        """(size, stride) of each kind of window this text has (see ``windows``)."""
        kinds = (
            [(WINDOW, STRIDE), (CLAUSE, CLAUSE // 2)]
            if self.channel == "tool"
            else [(WINDOW, STRIDE)]
        )
        return [(size, stride) for size, stride in kinds if self.length > size]

    def by_position(self, values: npt.NDArray[_Sum]) -> npt.NDArray[_Sum]:
        """Per byte, the sum of ``values`` (one per feature) of the features starting
        there: ``np.bincount(position, values, minlength=length + 1)``, summed in the
        same order (family by family) but a family at a time, without a scatter."""
        out = np.zeros(self.length + 1, dtype=values.dtype)
        start = 0
        for family, size in enumerate(self.parts):
            piece = values[start : start + size]
            if family < self.dense:
                out[:size] += piece
            else:  # no family has two features at one byte, so no position repeats
                out[self.position[start : start + size]] += piece
            start += size
        return out

    def window(self, start: int, end: int) -> tuple[U32, F64]:
        """Indices and weights of the features that start inside ``[start, end)``."""
        inside = (self.position >= start) & (self.position < end)
        return self.index[inside], self.weight[inside]


WINDOW = 512
STRIDE = 256
CLAUSE = 80


@lru_cache(maxsize=256)
def _window_edges(length: int, tool: bool) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(starts, ends) of every window of a text of ``length`` bytes, for scoring all of
    them at once; texts of one length share them."""
    found = Features([], [], length, "tool" if tool else "user").windows()
    edges = np.array(found, dtype=np.intp).reshape(-1, 2).T.copy()
    edges.setflags(write=False)
    return edges[0], edges[1]


def _ngrams(raw: U32) -> list[tuple[U32, int]]:
    """Each n-gram size's rolling hashes (not yet mixed) and the seed to mix them with."""
    out: list[tuple[U32, int]] = []
    if len(raw) < 3:
        return out
    h = (raw[:-2] * _P + raw[1:-1]) * _P + raw[2:]
    for n in range(3, max(NGRAM_SIZES) + 1):
        if n > 3:
            if len(h) < 2:
                break
            h = h[:-1] * _P + raw[n - 1 :]
        if n in NGRAM_SIZES:
            out.append((h, _SEED_NGRAM[n]))
    return out


# P**j and P**-j modulo 2**32 for every byte position a prepared text can have.
_POWERS = np.cumprod(np.append(np.uint32(1), np.full(MAX_BYTES + 1, _P)), dtype=np.uint32)
_INVERSE = np.cumprod(np.append(np.uint32(1), np.full(MAX_BYTES + 1, _P_INV)), dtype=np.uint32)
_PLACES = np.arange(MAX_BYTES + 1, dtype=np.uint32)
for _table in (_DECAY, _RANKS, _POWERS, _INVERSE, _PLACES):
    _table.setflags(write=False)  # shared by every thread: read only


def _words(data: npt.NDArray[np.uint8], raw: U32) -> tuple[U32, U32]:
    """One hash per word (sum of byte * P**(j - start), via prefix sums) and its start."""
    is_word = _WORD_BYTE[data]
    if not is_word.any():
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)
    n = len(raw)
    padded = np.zeros(n + 2, dtype=bool)
    padded[1:-1] = is_word
    # Word edges alternate: a start, then its end, then the next start ...
    edges = (padded[1:] != padded[:-1]).nonzero()[0]
    starts, ends = edges[0::2], edges[1::2]
    prefix = np.zeros(n + 1, dtype=np.uint32)
    (raw * _POWERS[:n]).cumsum(dtype=np.uint32, out=prefix[1:])
    hashes = (prefix[ends] - prefix[starts]) * _INVERSE[starts]
    return hashes, starts.astype(np.uint32)


_MASK = np.uint32(DIM - 1)


def _mixed(values: U32) -> U32:
    """``_mix`` in place, on values already XORed with their seeds."""
    shifted = values >> np.uint32(16)  # one scratch array for the three shifts
    values ^= shifted
    values *= np.uint32(0x85EBCA6B)
    np.right_shift(values, np.uint32(13), out=shifted)
    values ^= shifted
    values *= np.uint32(0xC2B2AE35)
    np.right_shift(values, np.uint32(16), out=shifted)
    values ^= shifted
    return values


def extract(text: str, channel: str, *, latin: bool = False) -> Features:
    """Every feature occurrence in ``text`` read on ``channel``, with its position;
    with ``latin``, of the text read in Latin letters (``latin.py``).

    Families in order: byte n-grams by size, words, word bigrams. Hashes of every
    family are mixed together in one pass (each XORed with its own seed first), then
    the bigrams, which need their second word mixed."""
    data = _prepare(as_latin(text) if latin else text)
    raw = data.astype(np.uint32)
    seeded: list[U32] = []
    positions: list[U32] = []
    for hashes, seed in _ngrams(raw):
        seeded.append(hashes ^ np.uint32(seed))
        positions.append(_PLACES[: len(hashes)])
    dense = len(positions)  # n-grams start at every byte
    words, starts = _words(data, raw)
    pairs = len(words) > 1
    if len(words):
        seeded.append(words ^ np.uint32(_SEED_WORD))
        positions.append(starts)
    if pairs:
        seeded.append(words[1:] ^ np.uint32(_SEED_BIGRAM))
    if not seeded:
        return Features([], [], len(data), channel)
    mixed = _mixed(np.concatenate(seeded))
    if pairs:
        second = mixed[len(mixed) - len(words) + 1 :]
        mixed[len(mixed) - len(words) + 1 :] = _mixed(
            (words[:-1] * _P + second) ^ np.uint32(_SEED_BIGRAM)
        )
        positions.append(starts[:-1])
    mixed &= _MASK
    return Features([mixed], positions, len(data), channel, dense)


_BIAS = {
    channel: int(_mix(np.zeros(1, dtype=np.uint32), seed)[0] & _MASK)
    for channel, seed in _SEED_CHANNEL.items()
}


def bias_index(channel: str) -> int:
    """The bucket every text of ``channel`` carries once (a per-channel bias)."""
    return _BIAS[channel]


def feature_indices(text: str, channel: str, *, latin: bool = False) -> U32:
    """Bucket index of every feature occurrence in ``text`` read on ``channel``."""
    found = extract(text, channel, latin=latin).all()
    return np.append(found, np.uint32(bias_index(channel)))
