"""Gateway speed: ``immuno serve`` against a bare Starlette endpoint, same uvicorn.

    python benchmarks/gateway_speed.py [--workers 2] [--runs 3] [--seconds 10]

Both servers run with the same uvicorn and the same number of worker processes, in the
same run, on 127.0.0.1. Every request is a 2 KB tool result (64 distinct bodies in
turn) to ``POST /v1/check`` with an agent's bearer token. immuno runs every layer
but the classifier (``detect.classifier: false``) and seals every verdict into the
audit log; the bare endpoint only decodes the body into the same msgspec ``Signal``
and answers a small JSON: the floor for any Python gateway on this box.

1. Maximum rate (closed loop): wrk, 32 keep-alive connections, ``--seconds`` each.
2. Latency at a fixed rate of half immuno's maximum in that run (open loop: requests
   leave on schedule whatever the answers' pace; each latency counts from the
   moment its request was due, so a stall is not hidden). wrk2 is not packaged, so
   an asyncio client on raw keep-alive sockets does it (its own cost is included).

Figures are medians over ``--runs`` runs. wrk and the client share the 2 cores with
the workers, as they would with a co-located agent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _service import Server, bare_serve, immuno_serve, open_loop, wrk

WARMUP_SECONDS = 2


def max_rate(server: Server, seconds: int) -> float:
    wrk(server, WARMUP_SECONDS)  # each worker's caches, the store's pages
    result = wrk(server, seconds)
    if result.errors:
        raise SystemExit(f"{result.errors} of {result.requests} requests failed: {server.url}")
    return result.rate


def latency(server: Server, rate: float, seconds: int) -> tuple[float, float, float]:
    """(p50, p99, achieved rate) at ``rate`` requests per second."""
    result = open_loop(server, rate, seconds)
    if result.failures or set(result.statuses) != {200}:
        raise SystemExit(f"fixed-rate run failed: {result.statuses}, {result.failures} lost")
    return result.percentile(0.50), result.percentile(0.99), result.sent / result.elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows: list[dict[str, float]] = []
    print(f"2 KB tool results to POST /v1/check, {args.workers} uvicorn workers, wrk -c32")
    for run in range(1, args.runs + 1):
        with bare_serve(args.workers) as bare:
            bare_rate = max_rate(bare, args.seconds)
        with immuno_serve(args.workers) as immuno:
            immuno_rate = max_rate(immuno, args.seconds)
            target = immuno_rate / 2
            time.sleep(1)
            p50, p99, achieved = latency(immuno, target, args.seconds)
        with bare_serve(args.workers) as bare:
            open_loop(bare, target, WARMUP_SECONDS)
            bare_p50, bare_p99, _ = latency(bare, target, args.seconds)
        row = {
            "bare": bare_rate,
            "immuno": immuno_rate,
            "ratio": immuno_rate / bare_rate,
            "rate": achieved,
            "p50": p50,
            "p99": p99,
            "bare_p50": bare_p50,
            "bare_p99": bare_p99,
        }
        rows.append(row)
        print(
            f"  run {run}: bare {bare_rate:7,.0f} req/s   immuno {immuno_rate:7,.0f} req/s   "
            f"ratio {row['ratio']:.2f}x   at {achieved:,.0f} req/s: immuno p50 {p50:.2f} ms "
            f"p99 {p99:.2f} ms (bare p50 {bare_p50:.2f} ms p99 {bare_p99:.2f} ms)"
        )
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(f"medians over {len(rows)} runs:")
    print(f"  {'bare Starlette endpoint, max':<40} {med['bare']:9,.0f} req/s")
    print(f"  {'immuno serve /v1/check, max':<40} {med['immuno']:9,.0f} req/s")
    verdict = "met" if med["ratio"] >= 0.5 else "MISSED"
    print(f"  {'immuno / bare':<40} {med['ratio']:9.2f}x   (target >= 0.5x: {verdict})")
    print(
        f"  {'immuno at half its max, latency':<40} p50 {med['p50']:.2f} ms   "
        f"p99 {med['p99']:.2f} ms at {med['rate']:,.0f} req/s "
        f"(target p99 <= 5 ms: {'met' if med['p99'] <= 5 else 'MISSED'})"
    )
    print(
        f"  {'bare at the same rate, latency':<40} p50 {med['bare_p50']:.2f} ms   "
        f"p99 {med['bare_p99']:.2f} ms"
    )


if __name__ == "__main__":
    main()
