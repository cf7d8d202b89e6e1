"""The demo's memory-poisoning and cascade attacks are stopped by memory and response."""

from immuno.core.config import Config
from immuno.core.pipeline import Immune
from immuno.demo import ATTACKS, run_attack
from immuno.detect import DetectLayer, SignatureSet
from immuno.memory import MemoryGate
from immuno.response import ResponseEngine
from immuno.store import SQLiteStore


def _immune() -> Immune:
    config = Config()
    store = SQLiteStore(":memory:")
    clock = iter(range(1_000_000, 2_000_000)).__next__
    engine = ResponseEngine(config.response, store, lambda: float(clock()))
    layers = [
        DetectLayer(SignatureSet.from_sources(["builtin"])),
        MemoryGate(config.memory.quarantine),
        engine,
    ]
    return Immune(config, layers=layers, store=store)


def _attack(name: str):  # type: ignore[no-untyped-def]
    return next(a for a in ATTACKS if a.name == name)


def test_memory_poisoning_is_quarantined_before_commit() -> None:
    row = run_attack(_attack("memory poisoning"), _immune)
    assert row.unprotected.compromised
    assert not row.protected.compromised
    assert "memory.untrusted_write" in row.stopped_by


def test_cascade_is_contained_by_the_ladder() -> None:
    row = run_attack(_attack("cascade across agents"), _immune)
    assert row.unprotected.compromised
    assert not row.protected.compromised
    assert "response.quarantined" in row.stopped_by
