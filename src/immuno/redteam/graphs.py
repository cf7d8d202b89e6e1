"""Who talks to whom in a simulated agent mesh: undirected graphs on ``n`` agents.

``lattice`` is the development layout (each agent talks to i±1 and i±5, four peers);
the others are there to show that a figure is not a property of one layout: a ring
(two peers each), random graphs (each agent picks two peers at random: mean degree
four, some hubs) and preferential attachment (a few well-connected hubs).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Graph:
    name: str
    peers: tuple[tuple[int, ...], ...]  # per agent, its neighbours in ascending order

    @property
    def n(self) -> int:
        return len(self.peers)


def _graph(name: str, n: int, edges: set[tuple[int, int]]) -> Graph:
    peers: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        if a != b:
            peers[a].add(b)
            peers[b].add(a)
    return Graph(name, tuple(tuple(sorted(p)) for p in peers))


def lattice(n: int = 28) -> Graph:
    """Each agent with i±1 and i±5 (mod n): the development layout."""
    edges = {(i, (i + step) % n) for i in range(n) for step in (1, 5)}
    return _graph("lattice", n, edges)


def ring(n: int = 28) -> Graph:
    return _graph("ring", n, {(i, (i + 1) % n) for i in range(n)})


def random_graph(n: int, seed: int) -> Graph:
    """Each agent links to two others picked at random (mean degree 4, minimum 2)."""
    rng = random.Random(f"random/{seed}")
    edges = set()
    for i in range(n):
        for j in rng.sample([k for k in range(n) if k != i], 2):
            edges.add((min(i, j), max(i, j)))
    return _graph(f"random-{seed}", n, edges)


def preferential(n: int, seed: int, links: int = 2) -> Graph:
    """Barabási–Albert: each new agent links to ``links`` others, likelier to the
    well connected (hubs emerge)."""
    rng = random.Random(f"preferential/{seed}")
    edges = {(0, 1), (1, 2), (0, 2)}
    ends = [0, 1, 1, 2, 0, 2]
    for i in range(3, n):
        chosen: set[int] = set()
        while len(chosen) < links:
            chosen.add(rng.choice(ends))
        for j in chosen:
            edges.add((j, i))
            ends += [i, j]
    return _graph(f"preferential-{seed}", n, edges)
