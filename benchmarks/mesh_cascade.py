"""A worm in a 28-agent mesh whose memo detection misses, layout by layout.

Each layout runs twice on a fresh deployment of the default configuration with the
red team's manifest (``immuno.redteam.cascade.run_mesh``): with one compromised agent,
and with honest work only. Per layout: agents infected (patient zero included) and
beyond patient zero's own peers, memos delivered, payments to the attacker, patient
zero's signals before its first one held by its quarantine, honest agents stopped by
the ladder, honest signals held (and honest rounds of work with any signal held).

The development lattice (i±1, i±5; patient zero agent 0) is where the replication
settings were chosen. The other layouts were not looked at before the replication
figures were first reported: a ring, random graphs and preferential-attachment graphs
(hubs) of seeds 11-14, patient zero drawn from the seed. They were read while the
send tool's rule (``redteam/manifest.yaml``) was written, so for that rule they are
development layouts too. The red team's ``cascade`` family runs
the lattice and layouts of its own seed (``--seed``, 1 by default: seeds 1001-1005).

    python benchmarks/mesh_cascade.py [--fanout N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import msgspec

from immuno.core.config import Config, ReplicationConfig
from immuno.redteam import cascade, graphs, mesh, runner
from immuno.redteam.harness import Deployment

N = 28


def layouts(seed: int) -> list[tuple[str, graphs.Graph, int]]:
    """(role, graph, patient zero): the development lattice, then held-out ones."""
    out = [("development", graphs.lattice(N), 0), ("held out", graphs.ring(N), 0)]
    for k in range(seed, seed + 4):
        rng = random.Random(f"zero/{k}")
        maker = graphs.random_graph if k % 2 else graphs.preferential
        out.append(("held out", maker(N, k), rng.randrange(N)))
    return out


def row(role: str, graph: graphs.Graph, zero: int, on: mesh.Outcome, honest: mesh.Outcome) -> str:
    stopped = "-" if on.zero_stopped_after is None else str(on.zero_stopped_after)
    tasks = honest.tasks + on.tasks
    spoilt = tasks.count(False)
    held = on.honest_held + honest.honest_held
    signals = on.honest + honest.honest
    return (
        f"{role:<12} {graph.name:<17} {len(graph.peers[zero]):>3} {len(on.infected):>6}"
        f" {len(on.beyond_first_hop):>7} {on.payload_delivered:>6} {on.attacker_payments:>4}"
        f" {stopped:>8} {len(on.false_stops) + len(honest.stopped_agents):>6}"
        f" {held:>5}/{signals:<5} {100 * held / signals:5.1f}% {spoilt:>4}/{len(tasks):<4}"
        f" {100 * spoilt / len(tasks):5.1f}%"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fanout", type=int, default=ReplicationConfig().fanout)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    replication = ReplicationConfig(fanout=args.fanout)
    base = Config()
    config = msgspec.structs.replace(
        base, response=msgspec.structs.replace(base.response, replication=replication)
    )
    lattice = graphs.lattice(N)
    off = mesh.Mesh(None, mesh.Tick(), lattice, 1, 0, mesh.payload_text(random.Random(1))).run()
    print(
        f"without immuno, development lattice: {len(off.infected)} of {N} infected,"
        f" {off.attacker_payments} payments to the attacker"
    )
    print(f"with the default configuration (replication fanout {args.fanout}):")
    print(
        "role         layout           deg infect. beyond memos  pay  p0 sent stops"
        "  honest held        rounds spoilt"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        deployment = Deployment(config, Path(tmp), [str(runner.MANIFEST)])
        for role, graph, zero in layouts(args.seed):
            on, _, evades = cascade.run_mesh(deployment, graph, 1, zero)
            honest, _, _ = cascade.run_mesh(deployment, graph, 1, None)
            print(row(role, graph, zero, on, honest) + ("" if evades else "  (memo detected)"))
    print(
        "infect.: patient zero and every agent it or a relay reached; beyond: outside"
        " patient zero's peers; p0 sent: patient zero's signals before its first held;"
        f" stops: honest agents quarantined or locked. {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
