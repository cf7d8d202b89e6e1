"""The shipped classifier: hashed features and logistic-regression weights, one
model per channel.

The model file (``model/classifier.bin``) is written by
``training/train_classifier.py``. Its layout, all little-endian:

    b"IMMUNOC2" | uint32 header length | JSON header | zlib(float16 weights[channels, DIM])

The header holds the feature-space size and version, the training record (library
versions, data hashes, every choice made on dev) and, per channel (in the order of the weight
rows), the intercept, the operating threshold chosen on the development split and
the Platt slope that turns a logit into a probability around it, and optionally a
threshold per group of scripts (``scripts.py``), chosen on dev texts written in them
by the same rule and never below the channel's. The weights already
hold the per-feature scaling used in training (NBSVM log-count ratios, folded in), so
scoring is one sparse dot product per text and window, and needs numpy only.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from immuno.core.errors import ConfigError
from immuno.detect.features import DIM, DIM_BITS, FEATURE_VERSION, bias_index, extract
from immuno.detect.latin import available as latin_available
from immuno.detect.scripts import GROUPS, script_group

MAGIC = b"IMMUNOC2"
BUILTIN_MODEL = "model/classifier.bin"
# A logit exactly at the channel's operating threshold maps to this score: the
# default block threshold, so "the classifier alone blocks" means what dev chose.
ANCHOR_SCORE = 0.8
CHANNELS = ("tool", "user")
# The detect layer reports scores rounded to 4 decimals, so a logit a hair below the
# threshold would round up to ANCHOR_SCORE and block. Thresholds therefore sit this
# far (in logit units) above the highest benign development logit they let through.
THRESHOLD_GAP = 0.01


def encode_model(weights: dict[str, npt.NDArray[np.float16]], header: dict[str, Any]) -> bytes:
    """Serialise deterministically (sorted JSON keys, fixed zlib level); ``weights``
    maps each channel to its float16[DIM] weights."""
    for channel, row in weights.items():
        if row.shape != (DIM,) or row.dtype != np.float16:
            shape = f"{row.dtype}{row.shape}"
            raise ValueError(f"{channel} weights must be float16[{DIM}], got {shape}")
    order = sorted(weights)
    fixed = {"dim_bits": DIM_BITS, "feature_version": FEATURE_VERSION, "order": order}
    head = json.dumps({**header, **fixed}, sort_keys=True).encode()
    body = zlib.compress(b"".join(weights[c].astype("<f2").tobytes() for c in order), 9)
    return MAGIC + struct.pack("<I", len(head)) + head + body


def place_threshold(
    benign_logits: npt.NDArray[np.float64],
    budget: float,
    families: Sequence[str] | None = None,
    family_cap: float = 1.0,
) -> float:
    """The dev rule for an operating threshold: the lowest one that blocks at most
    ``budget`` of ``benign_logits`` and at most ``family_cap`` of any one family's
    (rounded down, so a family of fewer than 1 / cap texts may lose none), sitting at
    least ``THRESHOLD_GAP`` above every benign logit it lets through."""
    if not 0.0 <= budget < 1.0 or family_cap < 0.0 or len(benign_logits) == 0:
        raise ValueError(f"need benign logits and a budget in [0, 1), got {budget}")
    benign = np.asarray(benign_logits, dtype=np.float64)
    ranked = np.sort(benign)[::-1]
    cut = float(ranked[math.floor(budget * len(ranked))])
    if families is not None:
        grouped: dict[str, list[float]] = {}
        for logit, name in zip(benign.tolist(), families, strict=True):
            grouped.setdefault(name, []).append(logit)
        for values in grouped.values():
            allowed = math.floor(family_cap * len(values))
            if allowed < len(values):
                cut = max(cut, sorted(values, reverse=True)[allowed])
    threshold = cut + THRESHOLD_GAP
    # A benign logit just under the threshold would round up to the block score, so
    # the threshold moves up until none lies within the gap below it.
    while True:
        near = benign[(benign < threshold) & (benign > threshold - THRESHOLD_GAP)]
        if not len(near):
            return threshold
        threshold = float(near.max()) + THRESHOLD_GAP + 1e-9


class Classifier:
    """Scores a text for prompt injection: a logit, and a calibrated score in [0, 1]."""

    def __init__(self, blob: bytes, where: str = BUILTIN_MODEL) -> None:
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
            raise ConfigError(where, "not an immuno classifier file (bad magic)")
        (size,) = struct.unpack_from("<I", blob, len(MAGIC))
        start = len(MAGIC) + 4
        try:
            header = json.loads(blob[start : start + size])
            raw = zlib.decompress(blob[start + size :])
            order: list[str] = header["order"]
            channels: dict[str, dict[str, Any]] = header["channels"]
            intercepts = {c: float(channels[c]["intercept"]) for c in order}
        except (ValueError, KeyError, TypeError, zlib.error) as exc:
            raise ConfigError(where, f"corrupt classifier file: {exc!r}") from None
        scripts: dict[str, dict[str, float]] = {}
        for channel in order:
            found = channels[channel].get("scripts", {})
            if not isinstance(found, dict) or not all(
                name in (*GROUPS, "other") and isinstance(value, int | float)
                for name, value in found.items()
            ):
                raise ConfigError(where, f"corrupt classifier file: bad {channel} scripts")
            scripts[channel] = {name: float(value) for name, value in found.items()}
        if sorted(order) != list(CHANNELS):
            raise ConfigError(where, f"classifier must have one model per channel {CHANNELS}")
        if header.get("dim_bits") != DIM_BITS or len(raw) != DIM * 2 * len(order):
            raise ConfigError(where, f"classifier was built for another feature space ({DIM})")
        if header.get("feature_version") != FEATURE_VERSION:
            found = header.get("feature_version")
            raise ConfigError(
                where, f"classifier was fitted on features v{found}, this is v{FEATURE_VERSION}"
            )
        latin = header.get("latin", [])
        if not isinstance(latin, list) or not all(c in CHANNELS for c in latin):
            raise ConfigError(where, f"corrupt classifier file: bad latin channels {latin!r}")
        self.header: dict[str, Any] = header
        # Channels whose model reads text in Latin letters (``latin.py``).
        self.latin = frozenset(latin)
        if self.latin:
            fitted = header.get("training", {}).get("versions", {}).get("anyascii")
            latin_available(fitted)
        rows = np.frombuffer(raw, dtype="<f2").astype(np.float32).reshape(len(order), DIM)
        self.weights = dict(zip(order, rows, strict=True))
        self.intercepts = intercepts
        self.channels = channels
        self.scripts = scripts  # per channel: group of scripts -> its own threshold

    @classmethod
    def builtin(cls) -> Classifier:
        blob = resources.files("immuno.detect").joinpath(BUILTIN_MODEL).read_bytes()
        return cls(blob)

    @classmethod
    def from_file(cls, path: str | Path) -> Classifier:
        try:
            blob = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read classifier: {exc.strerror}") from None
        return cls(blob, str(path))

    def logit(self, text: str, channel: str) -> float:
        """The highest logit over the whole text and its windows (see ``Features``)."""
        weights = self.weights[channel]
        found = extract(text, channel, latin=channel in self.latin)
        bias = float(weights[bias_index(channel)])
        contribution = weights[found.index] * found.weight
        best = (bias + float(contribution.sum())) / math.sqrt(1.0 + float(found.weight.sum()))
        if found.window_kinds():
            # Per-byte sums of what starts there, then prefix sums: every window's
            # score is two look-ups, however many windows overlap. Contributions and
            # weights go through as the real and imaginary parts of one array: complex
            # addition adds each part on its own, so the sums are the same, in one pass.
            both = np.empty(len(contribution), dtype=np.complex128)
            both.real, both.imag = contribution, found.weight
            running = np.zeros(found.length + 2, dtype=np.complex128)
            found.by_position(both).cumsum(out=running[1:])
            summed, mass = running.real, running.imag
            starts, ends = found.window_edges()
            sums = bias + summed[ends]
            sums -= summed[starts]
            counts = 1.0 + mass[ends]
            counts -= mass[starts]
            best = max(best, float((sums / np.sqrt(counts)).max()))
        return best + self.intercepts[channel]

    def threshold(self, channel: str, script: str | None = None) -> float:
        """The operating threshold for a text of ``channel`` written in ``script``
        (a group of ``scripts.GROUPS``; None for ASCII text)."""
        threshold = float(self.channels[channel]["threshold"])
        own = self.scripts[channel].get(script) if script is not None else None
        return threshold if own is None else max(own, threshold)

    def calibrate(self, logit: float, channel: str, script: str | None = None) -> float:
        """Score in [0, 1]; equals ANCHOR_SCORE at the operating threshold."""
        anchor = math.log(ANCHOR_SCORE / (1.0 - ANCHOR_SCORE))
        slope = float(self.channels[channel]["slope"])
        z = slope * (logit - self.threshold(channel, script)) + anchor
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def score(self, text: str, channel: str, *, by_script: bool = False) -> float:
        """The calibrated score; ``by_script`` applies the threshold of the script
        ``text`` is written in (``scripts.py``), where the file has one."""
        script = script_group(text) if by_script and self.scripts[channel] else None
        return self.calibrate(self.logit(text, channel), channel, script)
