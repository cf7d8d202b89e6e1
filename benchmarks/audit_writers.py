"""Many writer processes sealing into one audit log, on SQLite or PostgreSQL.

    python benchmarks/audit_writers.py [--writers 4] [--runs 3] [--postgres URL]

Each writer is its own process with its own ``AuditLog`` on the same store file (as
``immuno serve`` workers are), all signed by one authority key. They start together
(a barrier) and seal either one decision per call (``seal``: one COMMIT each) or 100
per call (``seal_many``). The total rate is all entries over the span from the first
writer's start to the last one's end; 1 writer is measured beside it. Afterwards the
log must hold every entry exactly once and verify. Entries are ~1.2 KB tool-call
decisions (see audit_speed.py); SQLite WAL, synchronous=NORMAL. Medians over runs.
With ``--postgres`` each run gets a fresh schema on that server (every seal then takes
the audit advisory lock; see ``audit/log.py``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))
from audit_speed import decision
from immuno.audit import AuditLog, verify_store
from immuno.core.authority import Authority
from immuno.store import open_store

BATCH = 100
PER_WRITER = {"seal": 5_000, f"seal_many({BATCH})": 50_000}


def writer(store: str, key: str, mode: str, count: int, gate: Any, out: Any) -> None:
    log = AuditLog(open_store(store), Authority.load_or_create(key))
    pairs = [decision(i) for i in range(count)]
    gate.wait()
    started = time.time()
    if mode == "seal":
        for signal, verdict in pairs:
            log.seal(signal, verdict)
    else:
        for i in range(0, count, BATCH):
            log.seal_many(pairs[i : i + BATCH])
    ended = time.time()
    log.close()
    log.store.close()
    out.put((started, ended))


def fresh_schema(server: str) -> str:
    """A new empty schema on the PostgreSQL server, as a store URL."""
    import psycopg

    schema = f"bench_{time.monotonic_ns()}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in server else "?"
    return f"{server}{joiner}options={quote(f'-c search_path={schema}')}"


def run(folder: Path, writers: int, mode: str, server: str | None) -> float:
    """Entries per second, all writers together; the log checked afterwards."""
    store = (
        fresh_schema(server)
        if server
        else str(folder / f"{mode}-{writers}-{time.monotonic_ns()}.db")
    )
    key = folder / "authority.key"
    authority = Authority.load_or_create(key)
    AuditLog(open_store(store), authority).store.close()  # the schema, once
    count = PER_WRITER[mode]
    context = mp.get_context("spawn")  # a clean process each, as a server worker is
    gate, out = context.Barrier(writers), context.Queue()
    procs = [
        context.Process(target=writer, args=(str(store), str(key), mode, count, gate, out))
        for _ in range(writers)
    ]
    for p in procs:
        p.start()
    spans = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        if p.exitcode != 0:
            raise SystemExit(f"a writer failed with exit code {p.exitcode}")
    total = writers * count
    rate = total / (max(e for _, e in spans) - min(s for s, _ in spans))
    db = open_store(store)
    report = verify_store(db, authority.public_bytes)
    (rows,) = db.query("SELECT count(*) FROM audit_entries")[0]
    db.close()
    if report.size != total or rows != total:
        raise SystemExit(f"expected {total} entries, the log holds {rows} ({report.size} verified)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    where = (
        "one PostgreSQL log (a fresh schema each run)"
        if args.postgres
        else "one SQLite log (WAL, synchronous=NORMAL)"
    )
    print(f"sealed entries per second into {where}:")
    with tempfile.TemporaryDirectory(prefix="immuno-writers-") as name:
        folder = Path(name)
        for mode in PER_WRITER:
            for writers in (1, args.writers):
                rates = [run(folder, writers, mode, args.postgres) for _ in range(args.runs)]
                med = statistics.median(rates)
                target = ""
                if writers == args.writers and not args.postgres:
                    target = f"   (target >= 10,000/s: {'met' if med >= 10_000 else 'MISSED'})"
                print(
                    f"  {mode:<14} {writers} writer{'s' if writers > 1 else ' '}: "
                    f"{med:9,.0f} entries/s  (runs: "
                    + ", ".join(f"{r:,.0f}" for r in rates)
                    + f"){target}"
                )
        print("every run: the log held each entry once and verified")


if __name__ == "__main__":
    main()
