"""Adaptive immunity: normalisation and signature scanning of what agents read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.detect.layer import DetectLayer
from immuno.detect.normalize import Normalized, normalize
from immuno.detect.signatures import Pack, Signature, SignatureSet, load_pack

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "DetectLayer",
    "Normalized",
    "Pack",
    "Signature",
    "SignatureSet",
    "load_pack",
    "normalize",
]


def _build(immune: Immune) -> DetectLayer | None:
    config = immune.config.detect
    if not config.enabled:
        return None
    return DetectLayer(SignatureSet.from_sources(config.packs))


register_component("detect", 300, _build)
