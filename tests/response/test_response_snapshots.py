"""Snapshots and restore: memory, health and key version come back exactly."""

import sqlite3
from pathlib import Path

import pytest
from response_helpers import EVIL, FakeClock, message, pipeline

from immuno.core.errors import InputError, StoreError
from immuno.core.signal import Provenance
from immuno.memory import GuardedMemory
from immuno.response import Health, restore, snapshot


def test_restore_returns_the_exact_prior_state(tmp_path: Path) -> None:
    clock = FakeClock()
    immune, engine = pipeline(tmp_path / "s.db", clock)
    memory = GuardedMemory(immune)
    memory.put("a", "vendor", "DE00-1", provenance=Provenance.TRUSTED, trace="t1")
    memory.put("a", "owner", "alice", provenance=Provenance.INTERNAL)
    memory.note("a", "met the auditors", provenance=Provenance.TRUSTED)
    before = memory.current("a")
    snap = snapshot(immune, "a", key_version="k3", label="known good")

    clock.advance(60)  # the incident: memory changed, agent quarantined
    memory.put("a", "vendor", "XX66-ATTK", provenance=Provenance.TRUSTED)
    memory.put("a", "extra", "planted", provenance=Provenance.TRUSTED)
    immune.check(message("b", "a", f"{EVIL} 1"))
    immune.check(message("b", "a", f"{EVIL} 2"))
    assert engine.states["a"].health is Health.QUARANTINED
    assert memory.current("a") != before

    restored = restore(immune, snap.id, by="ops")
    assert restored.key_version == "k3"
    assert memory.current("a") == before
    assert engine.states["a"].health is Health.HEALTHY
    assert memory.verify() > 0  # restoring appends to the chain, never rewrites it


def test_restore_brings_back_a_quarantined_health_too(tmp_path: Path) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock())
    immune.check(message("b", "a", f"{EVIL} 1"))
    immune.check(message("b", "a", f"{EVIL} 2"))
    snap = snapshot(immune, "a")
    engine.release("a", "ops")
    restore(immune, snap.id, by="ops")
    assert engine.states["a"].health is Health.QUARANTINED


@pytest.mark.sqlite_only
def test_a_tampered_snapshot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    immune, _ = pipeline(path, FakeClock())
    snap = snapshot(immune, "a")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE response_snapshots SET body = replace(body, 'healthy', 'healthy ')")
    with pytest.raises(StoreError, match="does not match"):
        restore(immune, snap.id, by="ops")
    with pytest.raises(InputError, match="no snapshot"):
        restore(immune, "nope", by="ops")
