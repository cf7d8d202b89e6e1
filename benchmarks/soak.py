"""Soak: half the rated load on ``immuno serve`` for minutes, then count what was lost.

    python benchmarks/soak.py [--minutes 10] [--workers 2] [--rate REQ_PER_S]

The rated load is immuno's maximum rate, measured first with wrk for 10 s on a
separate store (or given with ``--rate``); the soak then sends half of it, open loop,
2 KB tool results each carrying its own signal id. Afterwards the server is stopped
(a clean shutdown signs the log's tail) and the store is read back:

* every 200 carried a verdict with an audit ``seq``;
* the log holds exactly the entries the server held before the soak plus one per
  verdict returned, and the entry at each returned ``seq`` is that request's signal;
* the whole log verifies against the authority key; no worker restarted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _service import BODIES, immuno_serve, open_loop, wrk
from immuno import Config, Immune
from immuno.audit.check import verify_store
from immuno.audit.entry import decode_entry
from immuno.core.config import StoreConfig


def body(i: int) -> bytes:
    """A 2 KB tool result whose signal id names the request (``soak-<i>``)."""
    return BODIES[i % len(BODIES)][:-1] + b',"id":"soak-%d"}' % i


def rated(workers: int) -> float:
    with immuno_serve(workers) as server:
        wrk(server, 2)  # warm up
        return wrk(server, 10).rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, help="requests/s to send (default: half rated)")
    args = parser.parse_args()
    if args.rate is None:
        full = rated(args.workers)
        rate = full / 2
        print(f"rated load (wrk -c32, 10 s, separate store): {full:,.0f} req/s")
    else:
        rate = args.rate
    seconds = args.minutes * 60
    print(f"soak: {rate:,.0f} req/s for {args.minutes:g} min, {args.workers} workers")
    with tempfile.TemporaryDirectory(prefix="immuno-soak-") as name:
        folder = Path(name)
        with immuno_serve(args.workers, folder) as server:
            before = server.worker_pids()
            started = time.monotonic()
            result = open_loop(server, rate, seconds, body_for=body)
            wall = time.monotonic() - started
            after = server.worker_pids()
            output = server.output()
            baseline = server.baseline
            assert server.store is not None
            store_path = server.store
        immune = Immune(Config(store=StoreConfig(path=str(store_path))))
        try:
            t0 = time.perf_counter()
            report = verify_store(immune.store, immune.authority.public_bytes)
            verify_seconds = time.perf_counter() - t0
            rows = immune.store.query(
                "SELECT seq, entry FROM audit_entries WHERE seq >= ?", (baseline,)
            )
            logged = {int(seq): decode_entry(bytes(entry)).signal.id for seq, entry in rows}
        finally:
            immune.close()
        size_mb = store_path.stat().st_size / 1e6

    ok = result.statuses.get(200, 0)
    wrong = [(i, seq) for i, seq in result.seqs if logged.get(seq) != f"soak-{i}"]
    seqs = [seq for _, seq in result.seqs]
    lost = ok - len(seqs)
    print(
        f"  sent {result.sent:,} in {result.elapsed:.0f} s "
        f"({result.sent / result.elapsed:,.0f} req/s)"
    )
    print(f"  answers: {dict(sorted(result.statuses.items()))}, no answer: {result.failures}")
    print(
        f"  latency from due time: p50 {result.percentile(0.5):.2f} ms   "
        f"p90 {result.percentile(0.9):.2f} ms   p99 {result.percentile(0.99):.2f} ms   "
        f"p99.9 {result.percentile(0.999):.2f} ms   max {max(result.latencies_ms):.1f} ms"
    )
    print(
        f"  verdicts returned: {ok:,}; with a seq: {len(seqs):,}; "
        f"duplicates: {len(seqs) - len(set(seqs))}"
    )
    print(
        f"  audit log: {baseline} entries before + {len(logged):,} after = {report.size:,}; "
        f"verified in {verify_seconds:.1f} s ({report.heads} signed heads, "
        f"{report.unsigned} unsigned); store {size_mb:.0f} MB"
    )
    print(f"  entries not at their returned seq: {len(wrong)}")
    restarts = before != after or "died" in output or "Traceback" in output
    print(f"  workers {before} -> {after}; restarts or tracebacks: {'YES' if restarts else 'none'}")
    undecided = result.sent - ok  # a non-200 or no answer: a signal not decided
    extra = len(logged) - len(set(seqs))  # entries nobody got a verdict for
    clean = (
        lost == undecided == extra == 0
        and not wrong
        and len(set(seqs)) == len(seqs)
        and not restarts
    )
    print(
        f"  lost (200 without seq, or seq not holding its signal): {lost + len(wrong)}; "
        f"undecided: {undecided}; unexplained log entries: {extra} "
        f"-> {'PASS' if clean else 'FAIL'}"
    )
    print(f"  (wall {wall:.0f} s)")
    if not clean:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
