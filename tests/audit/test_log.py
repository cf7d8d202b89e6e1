"""Sealing: order, durability before a sequence number, group commit, tree heads, proofs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from immuno.audit import (
    AuditError,
    AuditLog,
    decode_entry,
    verify_consistency,
    verify_inclusion,
    verify_store,
    verify_tree_head,
)
from immuno.audit.merkle import leaf_hash, root_of
from immuno.core.authority import Authority
from immuno.core.config import parse_config
from immuno.core.pipeline import Immune
from immuno.store import SQLiteStore
from tests.audit.conftest import FakeClock, decision, fill

MakeLog = Callable[..., AuditLog]


def test_seal_returns_consecutive_sequence_numbers_from_zero(make_log: MakeLog) -> None:
    log = make_log()
    assert [log.seal(*decision(i)) for i in range(5)] == [0, 1, 2, 3, 4]
    assert log.seal_many([decision(5), decision(6)]) == [5, 6]
    assert log.size == 7


def test_root_is_the_rfc_root_of_the_stored_entries(make_log: MakeLog) -> None:
    log = make_log()
    fill(log, 37)
    leaves = [leaf_hash(log.entry(i)) for i in range(37)]
    for size in (0, 1, 2, 13, 32, 37):
        assert log.root(size) == root_of(leaves[:size])


def test_entries_hash_content_unless_told_to_keep_it(make_log: MakeLog, db_path: Path) -> None:
    log = make_log()
    log.seal(*decision(1, content="IBAN DE99 secret"))
    raw = log.entry(0)
    assert b"secret" not in raw and b"DE00-0000" not in raw
    entry = decode_entry(raw)
    assert entry.seq == 0 and entry.signal.tool == "bank.transfer"
    assert entry.signal.content is None and len(entry.signal.content_sha256) == 64
    assert entry.verdict.action == "block" and entry.verdict.findings[0].evidence is None
    clear = make_log(store_content=True)
    clear.seal(*decision(2, content="kept in clear"))
    kept = decode_entry(clear.entry(1))
    assert kept.signal.content == "kept in clear" and kept.signal.args == {
        "amount": 2,
        "to": "DE00-0000",
    }


REFUSE_INSERTS = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'disk says no'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}


def test_no_sequence_number_when_the_commit_fails(make_log: MakeLog) -> None:
    log = make_log()
    log.seal(*decision(0))
    for statement in REFUSE_INSERTS[log.store.dialect]:
        log.store.query(statement)
    with pytest.raises(AuditError, match="nothing was logged"):
        log.seal(*decision(1))
    log.store.query("DROP TRIGGER refuse" + (" ON audit_entries" * (log.store.dialect != "sqlite")))
    assert log.seal(*decision(2)) == 1  # the failed entry left no gap and no trace
    assert log.size == 2


def test_pipeline_blocks_when_sealing_fails(tmp_path: Path) -> None:
    config = parse_config(f"store: {{path: {tmp_path / 'x.db'}}}")
    immune = Immune(config, authority=Authority.generate())
    assert immune.scan("hello", source="user").seq == 0
    immune.layer("audit").store.close()  # the log cannot write any more
    verdict = immune.scan("hello again", source="user")
    assert verdict.seq is None and verdict.action.value == "block"
    assert "audit.seal_failed" in verdict.codes


def test_followers_queued_behind_a_commit_share_the_next_one(make_log: MakeLog) -> None:
    log = make_log()
    commits: list[int] = []
    # SQLite appends optimistically (``_write``); a server store always locks.
    path = "_write" if log._optimistic else "_write_locked"
    original = getattr(log, path)
    queued = threading.Event()

    def held_first_commit(batch, *tree):  # type: ignore[no-untyped-def]
        commits.append(sum(len(ticket.bodies) for ticket in batch))
        if len(commits) == 1:  # the first leader waits until 7 followers are queued
            assert queued.wait(10.0)
        return original(batch, *tree)

    setattr(log, path, held_first_commit)
    results: list[int] = []

    def seal_one(i: int) -> None:
        results.append(log.seal(*decision(i)))

    leader = threading.Thread(target=seal_one, args=(0,))
    leader.start()
    for _ in range(10_000):  # bounded: wait for the leader to start its commit
        if commits:
            break
        threading.Event().wait(0.001)
    followers = [threading.Thread(target=seal_one, args=(i,)) for i in range(1, 8)]
    for t in followers:
        t.start()
    for _ in range(10_000):  # bounded: wait for the followers to queue up
        with log._cond:
            if len(log._pending) == 7:
                break
        threading.Event().wait(0.001)
    queued.set()
    for t in [leader, *followers]:
        t.join()
    assert sorted(results) == list(range(8))
    assert commits == [1, 7]  # one for the leader, one shared by all seven followers
    assert verify_store(log.store, log.authority.public_bytes).size == 8


def test_concurrent_sealers_lose_nothing(make_log: MakeLog) -> None:
    log = make_log()
    results: list[int] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        for i in range(50):
            seq = log.seal(*decision(offset + i))
            with lock:
                results.append(seq)

    threads = [threading.Thread(target=worker, args=(t * 1000,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(400))
    ids = {decode_entry(log.entry(seq)).signal.id for seq in range(400)}
    assert len(ids) == 400
    assert verify_store(log.store, log.authority.public_bytes).size == 400


def test_a_batch_commit_signs_one_head_when_it_passes_n(make_log: MakeLog) -> None:
    log = make_log(head_every=7)
    fill(log, 50)
    assert [h.size for h in log.heads()] == [50]


def test_tree_heads_every_n_entries_and_every_t_seconds(
    make_log: MakeLog, clock: FakeClock
) -> None:
    log = make_log(head_every=10, head_interval=30.0)
    fill(log, 9)
    assert log.heads() == []
    log.seal(*decision(9))
    assert [h.size for h in log.heads()] == [10]
    log.seal(*decision(10))
    clock.now += 31.0
    log.seal(*decision(11))  # the interval elapsed: sign
    assert [h.size for h in log.heads()] == [10, 12]
    clock.now += 100.0
    assert len(log.heads()) == 2  # no entries, no new head
    for head in log.heads():
        verify_tree_head(head, log.authority.public_bytes)
        assert head.root == log.root(head.size)
    assert log.heads()[-1].timestamp_ms == int((clock.now - 100.0) * 1000)


def test_on_demand_head_and_close_cover_the_tail(make_log: MakeLog) -> None:
    log = make_log(head_every=1000)
    fill(log, 5)
    head = log.sign_head()
    assert head.size == 5 and head.root == log.root()
    fill(log, 3, start=5)
    log.close()
    assert log.latest_head() is not None and log.latest_head().size == 8  # type: ignore[union-attr]


def test_inclusion_and_consistency_proofs_verify_against_signed_heads(
    make_log: MakeLog,
) -> None:
    log = make_log(head_every=7)
    for i in range(50):
        log.seal(*decision(i))  # one commit each, so a head lands exactly every 7
    heads = log.heads()
    assert [h.size for h in heads] == [7, 14, 21, 28, 35, 42, 49]
    last = heads[-1]
    for seq in (0, 1, 6, 7, 31, 48):
        proof = log.inclusion_proof(seq, last.size)
        assert proof.root == last.root
        verify_inclusion(seq, last.size, leaf_hash(log.entry(seq)), proof.path, last.root)
    for earlier in heads[:-1]:
        proof = log.consistency_proof(earlier.size, last.size)
        verify_consistency(earlier.size, last.size, earlier.root, last.root, proof.path)
    with pytest.raises(AuditError):
        log.inclusion_proof(50)
    with pytest.raises(AuditError):
        log.consistency_proof(10, 60)


def test_two_writers_on_one_file_keep_one_tree(make_log: MakeLog) -> None:
    first, second = make_log(), make_log()
    seqs = []
    for i in range(20):
        seqs.append((first if i % 3 else second).seal(*decision(i)))
    assert seqs == list(range(20))
    first.sign_head()
    report = verify_store(first.store, first.authority.public_bytes)
    assert report.size == 20 and report.signed_size == 20


def test_reopening_resumes_the_tree(make_log: MakeLog) -> None:
    fill(make_log(), 11)
    log = make_log()
    fill(log, 6, start=11)
    leaves = [leaf_hash(log.entry(i)) for i in range(17)]
    assert log.root() == root_of(leaves)


@pytest.mark.sqlite_only
def test_durability_sets_the_sqlite_sync_mode(make_log: MakeLog) -> None:
    assert make_log(durability="full").store.query("PRAGMA synchronous")[0][0] == 2
    assert make_log(durability="normal").store.query("PRAGMA synchronous")[0][0] == 1


def test_audit_config_is_validated() -> None:
    config = parse_config("audit: {head_every: 5, durability: full, store_content: true}")
    assert config.audit.head_every == 5 and config.audit.durability == "full"
    with pytest.raises(Exception, match=r"line 1: audit\.head_every"):
        parse_config("audit: {head_every: 0}")
    with pytest.raises(Exception, match=r"audit\.durability"):
        parse_config("audit:\n  durability: sometimes\n")


def test_pipeline_puts_the_sequence_number_in_the_verdict(tmp_path: Path) -> None:
    config = parse_config(f"store: {{path: {tmp_path / 'p.db'}}}\naudit: {{head_every: 2}}")
    clock = FakeClock()
    immune = Immune(config, authority=Authority.generate(), clock=clock)
    verdicts = [immune.scan(f"message {i}", source="user") for i in range(3)]
    assert [v.seq for v in verdicts] == [0, 1, 2]
    log = immune.layer("audit")
    assert decode_entry(log.entry(2)).signal.at == clock.now
    assert verify_store(log.store, immune.authority.public_bytes).signed_size == 2
    disabled = Immune(parse_config("audit: {enabled: false}"), store=SQLiteStore(":memory:"))
    assert disabled.scan("hello", source="user").seq is None
