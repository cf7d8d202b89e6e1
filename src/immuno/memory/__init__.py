"""Guarded agent memory: provenance-tagged writes, quarantine before commit, an
integrity chain over committed records, restore to a known state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.memory.chain import MemoryTampered
from immuno.memory.guarded import GuardedMemory, Record, Written
from immuno.memory.layer import MemoryGate

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = ["GuardedMemory", "MemoryGate", "MemoryTampered", "Record", "Written"]


def _build(immune: Immune) -> MemoryGate:
    return MemoryGate(immune.config.memory.quarantine)


register_component("memory", 800, _build)
