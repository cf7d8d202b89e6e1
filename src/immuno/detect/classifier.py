"""The shipped classifier: hashed features and logistic-regression weights.

The model file (``model/classifier.bin``) is written by
``training/train_classifier.py``. Its layout, all little-endian:

    b"IMMUNOC1" | uint32 header length | JSON header | zlib(float16 weights[DIM])

The header holds the intercept, the feature-space size and, per channel, the
operating threshold chosen on the development split and the Platt slope that
turns a logit into a probability around it. Scoring needs numpy only.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from immuno.core.errors import ConfigError
from immuno.detect.features import DIM, DIM_BITS, bias_index, extract

MAGIC = b"IMMUNOC1"
BUILTIN_MODEL = "model/classifier.bin"
# A logit exactly at the channel's operating threshold maps to this score: the
# default block threshold, so "the classifier alone blocks" means what dev chose.
ANCHOR_SCORE = 0.8


def encode_model(weights: npt.NDArray[np.float16], header: dict[str, Any]) -> bytes:
    """Serialise deterministically (sorted JSON keys, fixed zlib level)."""
    if weights.shape != (DIM,) or weights.dtype != np.float16:
        raise ValueError(f"weights must be float16[{DIM}], got {weights.dtype}{weights.shape}")
    head = json.dumps({**header, "dim_bits": DIM_BITS}, sort_keys=True).encode()
    body = zlib.compress(weights.astype("<f2").tobytes(), 9)
    return MAGIC + struct.pack("<I", len(head)) + head + body


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
        except (ValueError, zlib.error) as exc:
            raise ConfigError(where, f"corrupt classifier file: {exc}") from None
        if header.get("dim_bits") != DIM_BITS or len(raw) != DIM * 2:
            raise ConfigError(where, f"classifier was built for another feature space ({DIM})")
        self.header: dict[str, Any] = header
        self.weights = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        self.intercept = float(header["intercept"])
        self.channels: dict[str, dict[str, float]] = header["channels"]

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
        found = extract(text, channel)
        bias = float(self.weights[bias_index(channel)])
        windows = found.windows()
        starts = np.array([w[0] for w in windows], dtype=np.int64)
        ends = starts + (windows[0][1] - windows[0][0] if windows else 0)
        total, count = bias, 1
        sums = np.full(len(windows), bias)
        counts = np.ones(len(windows))
        for index, pos in zip(found.indices, found.positions, strict=True):
            contrib = self.weights[index].astype(np.float64)
            cumulative = np.concatenate(([0.0], np.cumsum(contrib)))
            total += float(cumulative[-1])
            count += len(index)
            if windows:
                lo = np.searchsorted(pos, starts)
                hi = np.searchsorted(pos, ends)
                sums += cumulative[hi] - cumulative[lo]
                counts += hi - lo
        best = total / math.sqrt(count)
        if windows:
            best = max(best, float((sums / np.sqrt(counts)).max()))
        return best + self.intercept

    def calibrate(self, logit: float, channel: str) -> float:
        """Score in [0, 1]; equals ANCHOR_SCORE at the channel's operating threshold."""
        params = self.channels[channel]
        anchor = math.log(ANCHOR_SCORE / (1.0 - ANCHOR_SCORE))
        z = params["slope"] * (logit - params["threshold"]) + anchor
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def score(self, text: str, channel: str) -> float:
        return self.calibrate(self.logit(text, channel), channel)
