"""Guarded memory against a real SQLite file: quarantine, provenance, integrity."""

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.backends import location_of

from immuno.core.action import Action
from immuno.core.config import Config
from immuno.core.errors import Blocked, InputError
from immuno.core.finding import Finding, Severity, Span
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.memory import GuardedMemory, MemoryGate, MemoryTampered
from immuno.store import open_store


class Recorder:
    """Keeps every signal; blocks reads containing FORBIDDEN and writes containing BAD."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[Signal] = []

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        self.seen.append(signal)
        word = "FORBIDDEN" if signal.kind == SignalKind.MEMORY_READ else "BAD"
        if word in signal.content:
            return [
                Finding(layer=self.name, code="x", severity=Severity.HIGH, score=1.0, message="no")
            ]
        return []


def _memory(path: Path) -> tuple[GuardedMemory, Recorder]:
    config = Config()
    recorder = Recorder()
    immune = Immune(
        config,
        layers=[recorder, MemoryGate(config.memory.quarantine)],
        store=open_store(location_of(path)),
        clock=lambda: 1000.0,
    )
    return GuardedMemory(immune), recorder


def test_untrusted_write_waits_in_quarantine_until_committed(tmp_path: Path) -> None:
    memory, _ = _memory(tmp_path / "m.db")
    written = memory.put(
        "researcher",
        "acme.account",
        "XX66",
        provenance=Provenance.UNTRUSTED,
        trace="t1",
        namespace="shared",
    )
    assert written.record.status == "pending"
    assert "memory.untrusted_write" in written.verdict.codes
    assert memory.get("payments", "acme.account", namespace="shared") is None
    assert [r.id for r in memory.pending()] == [written.record.id]
    memory.commit(written.record.id, by="alice")
    record = memory.get("payments", "acme.account", namespace="shared")
    assert record is not None and record.value == "XX66"
    assert (record.provenance, record.agent, record.trace) == (
        Provenance.UNTRUSTED,
        "researcher",
        "t1",
    )
    assert memory.pending() == []


def test_rejected_write_never_reaches_memory(tmp_path: Path) -> None:
    memory, _ = _memory(tmp_path / "m.db")
    written = memory.put("a", "k", "v", provenance=Provenance.UNTRUSTED)
    memory.reject(written.record.id, by="alice")
    assert memory.get("a", "k") is None
    with pytest.raises(InputError, match="rejected, not pending"):
        memory.commit(written.record.id, by="alice")
    with pytest.raises(InputError, match="no memory record 999"):
        memory.commit(999, by="alice")


def test_trusted_writes_commit_and_reads_carry_provenance(tmp_path: Path) -> None:
    memory, recorder = _memory(tmp_path / "m.db")
    memory.put("planner", "goal", "ship Q3", provenance=Provenance.TRUSTED, trace="t9")
    memory.note("planner", "met the auditors", provenance=Provenance.INTERNAL)
    record = memory.get("planner", "goal", trace="t10")
    assert record is not None and record.value == "ship Q3"
    read = recorder.seen[-1]
    assert read.kind == SignalKind.MEMORY_READ
    assert (read.provenance, read.peer, read.trace) == (Provenance.TRUSTED, "planner", "t10")
    assert [n.value for n in memory.notes("planner")] == ["met the auditors"]


def test_a_blocked_write_is_kept_as_rejected(tmp_path: Path) -> None:
    memory, _ = _memory(tmp_path / "m.db")
    memory.put("a", "k", "fine", provenance=Provenance.TRUSTED)
    written = memory.put("a", "k", "now BAD", provenance=Provenance.TRUSTED)
    assert written.record.status == "rejected"
    record = memory.get("a", "k")
    assert record is not None and record.value == "fine"


@pytest.mark.sqlite_only
def test_verify_detects_a_row_edited_behind_immunos_back(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    memory, _ = _memory(path)
    for i in range(3):
        memory.put("payments", f"vendor{i}", f"DE00-{i}", provenance=Provenance.TRUSTED)
    assert memory.verify() == 3
    with sqlite3.connect(path) as db:
        db.execute("UPDATE memory_chain SET value = 'XX66-ATTK' WHERE seq = 2")
    with pytest.raises(MemoryTampered, match="entry 2: content was changed"):
        memory.verify()


@pytest.mark.sqlite_only
def test_verify_detects_a_deleted_tail(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    memory, _ = _memory(path)
    for i in range(3):
        memory.put("a", f"k{i}", "v", provenance=Provenance.TRUSTED)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM memory_chain WHERE seq = 3")
    with pytest.raises(MemoryTampered, match="truncated"):
        memory.verify()


def test_blocked_read_raises_blocked(tmp_path: Path) -> None:
    memory, _ = _memory(tmp_path / "m.db")
    written = memory.put("a", "k", "FORBIDDEN later", provenance=Provenance.UNTRUSTED)
    memory.commit(written.record.id, by="alice")  # an operator's mistake
    with pytest.raises(Blocked):
        memory.get("a", "k")


class Cutter(Recorder):
    """Asks to cut the word CUT out of every memory read (an excision)."""

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        at = signal.content.find("CUT")
        if signal.kind != SignalKind.MEMORY_READ or at < 0:
            return []
        span = Span(at, at + 3)
        return [
            Finding(
                layer=self.name,
                code="cut",
                severity=Severity.HIGH,
                score=0.9,
                message="cut",
                span=span,
                action=Action.EXCISE,
                part="content",
            )
        ]


def test_an_excised_read_never_returns_the_original(tmp_path: Path) -> None:
    config = Config()
    immune = Immune(
        config,
        layers=[Cutter(), MemoryGate(config.memory.quarantine)],
        store=open_store(location_of(tmp_path / "m.db")),
        clock=lambda: 1000.0,
    )
    memory = GuardedMemory(immune)
    memory.put("a", "k", "keep CUT keep", provenance=Provenance.TRUSTED)
    with pytest.raises(Blocked):
        memory.get("a", "k")


def test_empty_key_is_refused(tmp_path: Path) -> None:
    memory, _ = _memory(tmp_path / "m.db")
    with pytest.raises(InputError, match="key"):
        memory.put("a", "", "v", provenance=Provenance.TRUSTED)
