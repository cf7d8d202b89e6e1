"""Adaptive immunity: normalisation, signatures, a shipped classifier, anomaly
statistics, vaccines and content quarantine for what agents read."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.detect.classifier import Classifier
from immuno.detect.layer import DetectLayer
from immuno.detect.normalize import Normalized, normalize
from immuno.detect.quarantine import Held, Quarantine
from immuno.detect.signatures import BUILTIN_PACKS, Pack, Signature, SignatureSet, load_pack
from immuno.detect.vaccines import VaccineBank

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "Classifier",
    "DetectLayer",
    "Held",
    "Normalized",
    "Pack",
    "Quarantine",
    "Signature",
    "SignatureSet",
    "VaccineBank",
    "load_pack",
    "normalize",
]


log = logging.getLogger("immuno.detect")

# Built-in detectors are immutable once built: every pipeline in a process shares one
# copy, so a second ``Immune`` costs no parsing or decompression and meets warm memory.
_builtin_classifier = functools.cache(Classifier.builtin)
_cached_signatures = functools.cache(SignatureSet.from_sources)


def _signatures(sources: list[str]) -> SignatureSet:
    if all(source == "builtin" or source in BUILTIN_PACKS for source in sources):
        return _cached_signatures(tuple(sources))
    return SignatureSet.from_sources(sources)  # files on disk may change: read afresh


def _build(immune: Immune) -> DetectLayer | None:
    config = immune.config.detect
    if not config.enabled:
        return None
    classifier = None
    if config.classifier:
        builtin = config.model == "builtin"
        classifier = _builtin_classifier() if builtin else Classifier.from_file(config.model)
        if config.unsafe_script_thresholds:
            log.warning(
                "detect.unsafe_script_thresholds is true: the classifier's bar is raised "
                "for text written mostly outside ASCII, so injections in those scripts "
                "are left to the signatures and the barrier"
            )
    return DetectLayer(
        _signatures(config.packs),
        classifier=classifier,
        store=lambda: immune.store,
        clock=immune.clock,
        vaccine_threshold=config.vaccine_threshold,
        anomaly_warmup=config.anomaly_warmup if config.anomaly else None,
        quarantine=config.quarantine,
        flag_threshold=immune.config.thresholds.flag,
        block_threshold=immune.config.thresholds.block,
        excise=config.excise,
        by_script=config.unsafe_script_thresholds,
    )


register_component("detect", 300, _build)
