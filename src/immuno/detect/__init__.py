"""Adaptive immunity: normalisation, signatures, a shipped classifier, anomaly
statistics, vaccines and content quarantine for what agents read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.detect.classifier import Classifier
from immuno.detect.layer import DetectLayer
from immuno.detect.normalize import Normalized, normalize
from immuno.detect.quarantine import Held, Quarantine
from immuno.detect.signatures import Pack, Signature, SignatureSet, load_pack
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


def _build(immune: Immune) -> DetectLayer | None:
    config = immune.config.detect
    if not config.enabled:
        return None
    classifier = None
    if config.classifier:
        builtin = config.model == "builtin"
        classifier = Classifier.builtin() if builtin else Classifier.from_file(config.model)
    return DetectLayer(
        SignatureSet.from_sources(config.packs),
        classifier=classifier,
        store=lambda: immune.store,
        clock=immune.clock,
        vaccine_threshold=config.vaccine_threshold,
        anomaly_warmup=config.anomaly_warmup if config.anomaly else None,
        quarantine=config.quarantine,
    )


register_component("detect", 300, _build)
