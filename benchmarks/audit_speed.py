"""Audit log speed: sealed appends, proofs and full verification.

    python benchmarks/audit_speed.py [--entries 1000000]

Every figure is measured in this run on this machine. "Sealed" means the entry's
COMMIT has returned before ``seal`` returns its sequence number:
  normal = SQLite WAL + synchronous=NORMAL: survives a process crash, not an OS crash
  full   = synchronous=FULL (fsync per commit): survives power loss
"amortised" is wall time / decisions (the mean, tails included); "per call" is the
distribution of single ``seal`` calls. One thread gets one commit per decision;
threads share commits (group commit); ``seal_many`` is one commit per batch.
The reference is a bare SQLite INSERT + COMMIT of a row the same size, one per
commit: the floor for any per-decision durable append on this disk, so compare
ratios, not absolute figures, across runs on a shared machine.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

from immuno.audit import AuditLog, verify_inclusion, verify_store
from immuno.audit.merkle import leaf_hash
from immuno.audit.verify import verify_consistency
from immuno.core.action import Action
from immuno.core.authority import Authority
from immuno.core.config import parse_config
from immuno.core.finding import Finding, Severity
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.store import SQLiteStore

AUTHORITY = Authority.generate()


def decision(i: int) -> tuple[Signal, Verdict]:
    signal = Signal(
        kind=SignalKind.TOOL_CALL,
        agent="payments",
        tool="bank.transfer",
        args={"amount": i, "to": "DE89-3704-0044-0532-0130-00", "memo": "invoice"},
        content="pay the invoice in the attached email " * 20,
        provenance=Provenance.INTERNAL,
        at=1_800_000_000.0 + i,
    )
    finding = Finding(
        layer="policy",
        code="policy.sink.money",
        severity=Severity.MEDIUM,
        score=0.6,
        message="money leaves the account on an internal agent's request",
        action=Action.FLAG,
    )
    return signal, Verdict(signal_id=signal.id, action=Action.FLAG, score=0.6, findings=(finding,))


def quantiles(samples_ns: list[int]) -> str:
    ordered = sorted(samples_ns)
    median = statistics.median(ordered) / 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] / 1000
    mean = statistics.fmean(ordered) / 1000
    return f"median {median:8.1f} µs   p99 {p99:8.1f} µs   mean {mean:8.1f} µs"


def open_log(folder: Path, name: str, durability: str, **options: object) -> AuditLog:
    return AuditLog(SQLiteStore(folder / name), AUTHORITY, durability=durability, **options)  # type: ignore[arg-type]


def reference_commit(folder: Path, sync: str, n: int, row: bytes) -> float:
    """A bare INSERT + COMMIT of one row the size of an entry, checkpoints off as in
    the log: the floor any durable per-decision append pays on this disk."""
    conn = sqlite3.connect(folder / f"ref-{sync}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={sync}")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, entry BLOB, hashes BLOB)")
    started = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?, ?)", (i, row, row[:64]))
        conn.execute("COMMIT")
    conn.close()
    return (time.perf_counter() - started) / n * 1e6


def single_threaded(folder: Path, durability: str, n: int, rounds: int = 3) -> None:
    """One caller, one commit per seal (nobody to share a commit with)."""
    rates, samples = [], []
    for r in range(rounds):
        log = open_log(folder, f"single-{durability}-{r}.db", durability)
        pairs = [decision(i) for i in range(n)]
        started = time.perf_counter()
        for signal, verdict in pairs:
            t0 = time.perf_counter_ns()
            log.seal(signal, verdict)
            samples.append(time.perf_counter_ns() - t0)
        rates.append(n / (time.perf_counter() - started))
        row = log.entry(0)
        log.close()
        log.store.close()
    ref = reference_commit(folder, durability.upper(), n, row)
    rate = statistics.median(rates)
    print(
        f"  {durability:6} 1 thread  : {rate:9,.0f} sealed/s (median of {rounds} rounds: "
        + ", ".join(f"{r:,.0f}" for r in rates)
        + f")\n{'':22}amortised {1e6 / rate:6.1f} µs/decision   per call {quantiles(samples)}"
        f"\n{'':22}bare INSERT+COMMIT of a {len(row)} B row: {ref:.1f} µs "
        f"(seal = {1e6 / rate / ref:.2f}x)"
    )


def concurrent(folder: Path, durability: str, threads: int, per_thread: int) -> None:
    log = open_log(folder, f"group-{durability}-{threads}.db", durability)
    commits = 0
    original = log._write  # one call = one commit

    def counting(batch, tree):  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1
        return original(batch, tree)

    log._write = counting  # type: ignore[method-assign]
    pairs = [decision(i) for i in range(threads * per_thread)]
    barrier = threading.Barrier(threads + 1)

    def work(chunk: list[tuple[Signal, Verdict]]) -> None:
        barrier.wait()
        for signal, verdict in chunk:
            log.seal(signal, verdict)

    workers = [
        threading.Thread(target=work, args=(pairs[t * per_thread : (t + 1) * per_thread],))
        for t in range(threads)
    ]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    total = threads * per_thread
    print(
        f"  {durability:6} {threads} threads : {total / elapsed:9,.0f} sealed/s  "
        f"amortised {elapsed / total * 1e6:7.1f} µs/decision   "
        f"{total / commits:5.1f} entries per COMMIT"
    )
    log.store.close()


def batched(folder: Path, durability: str, batch: int, n: int) -> None:
    log = open_log(folder, f"batch-{durability}.db", durability)
    pairs = [decision(i) for i in range(n)]
    started = time.perf_counter()
    for i in range(0, n, batch):
        log.seal_many(pairs[i : i + batch])
    elapsed = time.perf_counter() - started
    print(
        f"  {durability:6} seal_many({batch}): {n / elapsed:9,.0f} sealed/s  "
        f"amortised {elapsed / n * 1e6:7.1f} µs/decision"
    )
    log.store.close()


def pipeline_cost(folder: Path, n: int) -> None:
    """What sealing adds to a full Immune.check (detect + audit vs detect only)."""
    results = {}
    for audit in (False, True):
        path = folder / f"pipe-{audit}.db"
        config = parse_config(f"store: {{path: {path}}}\naudit: {{enabled: {str(audit).lower()}}}")
        immune = Immune(config, authority=AUTHORITY)
        signal, _ = decision(0)
        for _ in range(200):
            immune.check(signal)
        samples = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            immune.check(signal)
            samples.append(time.perf_counter_ns() - t0)
        results[audit] = samples
        immune.close()
    without, with_audit = (statistics.median(results[a]) / 1000 for a in (False, True))
    mean_without, mean_with = (statistics.fmean(results[a]) / 1000 for a in (False, True))
    print(f"  Immune.check, detect only     : {quantiles(results[False])}")
    print(f"  Immune.check, detect + audit  : {quantiles(results[True])}")
    print(
        f"  => sealing adds {with_audit - without:.1f} µs median, "
        f"{mean_with - mean_without:.1f} µs amortised (mean) per decision "
        "(1 thread, one commit each, normal)"
    )


def big_log(folder: Path, entries: int) -> None:
    log = open_log(folder, "big.db", "normal", head_every=100_000, head_interval=1e9)
    pairs = [decision(i) for i in range(1000)]
    started = time.perf_counter()
    for _ in range(entries // 1000):
        log.seal_many(pairs)
    print(
        f"  built {entries:,} entries with seal_many(1000) in {time.perf_counter() - started:.1f} s"
    )
    head = log.sign_head()
    rng = random.Random(6)
    gen, ver = [], []
    for _ in range(2000):
        seq = rng.randrange(entries)
        t0 = time.perf_counter_ns()
        proof = log.inclusion_proof(seq, head.size)
        t1 = time.perf_counter_ns()
        verify_inclusion(seq, head.size, proof.leaf_hash, proof.path, head.root)
        t2 = time.perf_counter_ns()
        gen.append(t1 - t0)
        ver.append(t2 - t1)
    leaf = leaf_hash(log.entry(seq))
    assert leaf == proof.leaf_hash
    print(f"  inclusion proof, generate     : {quantiles(gen)}   ({len(proof.path)} hashes)")
    print(f"  inclusion proof, verify       : {quantiles(ver)}")
    cgen, cver = [], []
    for _ in range(500):
        size1 = rng.randrange(1, entries)
        t0 = time.perf_counter_ns()
        cproof = log.consistency_proof(size1, head.size)
        t1 = time.perf_counter_ns()
        verify_consistency(size1, head.size, cproof.root1, head.root, cproof.path)
        cgen.append(t1 - t0)
        cver.append(time.perf_counter_ns() - t1)
    print(f"  consistency proof, generate   : {quantiles(cgen)}")
    print(f"  consistency proof, verify     : {quantiles(cver)}")
    started = time.perf_counter()
    report = verify_store(log.store, AUTHORITY.public_bytes)
    elapsed = time.perf_counter() - started
    assert report.size == entries
    print(
        f"  full verify of {entries:,} entries ({report.heads} heads): {elapsed:.1f} s "
        f"({elapsed / entries * 1e6:.1f} µs/entry)"
    )
    size_mb = (folder / "big.db").stat().st_size / 1e6
    print(f"  store file: {size_mb:.0f} MB ({size_mb * 1e6 / entries:.0f} B/entry)")
    log.store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="immuno-audit-bench-") as name:
        folder = Path(name)
        print("sealed appends (seq returned only after COMMIT):")
        single_threaded(folder, "normal", 10_000)
        single_threaded(folder, "full", 300)
        for threads in (4, 16):
            concurrent(folder, "normal", threads, 2000)
        for threads in (4, 16):
            concurrent(folder, "full", threads, 150)
        batched(folder, "normal", 100, 20_000)
        batched(folder, "full", 100, 2_000)
        print("hot path:")
        pipeline_cost(folder, 3000)
        print(f"at {args.entries:,} entries:")
        big_log(folder, args.entries)


if __name__ == "__main__":
    main()
