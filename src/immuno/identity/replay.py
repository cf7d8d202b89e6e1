"""Replay caches: each (sender, nonce) is accepted once while its envelope is valid.

An entry lives until its envelope's ``expires_at`` plus the allowed clock skew; after
that the validity check refuses the envelope anyway, so the entry can go. The verifier
caps envelope lifetimes, so the cache holds at most (message rate x (max lifetime +
skew)) entries.

* :class:`StoreReplayCache` (default) keeps nonces in the store. The primary key on
  (sender, nonce) makes acceptance atomic: processes sharing one SQLite file (or one
  PostgreSQL database) never both accept the same nonce, and a restart forgets nothing.
* :class:`SharedReplayCache` keeps nonces in Redis (``store.redis``) with the same
  expiry: atomic across replicas (SET NX), fast, forgotten if Redis restarts without
  persistence (envelopes still valid then could be replayed once).
* :class:`MemoryReplayCache` is one process's memory: faster, lost on restart (so
  envelopes still valid at a restart could be replayed once), and not shared between
  processes. It has a hard capacity; when full of live entries it refuses new nonces
  (fail closed) rather than forgetting one that could then be replayed.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Protocol

from immuno.identity import schema
from immuno.identity.errors import EnvelopeRejected
from immuno.store import Store

if TYPE_CHECKING:
    from immuno.store.shared import SharedState

DEFAULT_CAPACITY = 1_000_000
_PRUNE_EVERY = 512


class ReplayCache(Protocol):
    def remember(self, sender: str, nonce: str, until: float, now: float) -> None:
        """Record the nonce; raise ``EnvelopeRejected('replay')`` if it was seen."""
        ...


def _replayed(sender: str, nonce: str) -> EnvelopeRejected:
    return EnvelopeRejected("replay", f"nonce {nonce!r} of {sender!r} was already accepted")


class MemoryReplayCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._seen: dict[tuple[str, str], float] = {}
        self._expiry: list[tuple[float, str, str]] = []

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, sender: str, nonce: str, until: float, now: float) -> None:
        key = (sender, nonce)
        if key in self._seen:
            raise _replayed(sender, nonce)
        while self._expiry and self._expiry[0][0] < now:
            _, old_sender, old_nonce = heapq.heappop(self._expiry)
            self._seen.pop((old_sender, old_nonce), None)
        if len(self._seen) >= self.capacity:
            raise EnvelopeRejected(
                "replay_cache_full",
                f"{len(self._seen)} live nonces; refusing new ones rather than forgetting",
            )
        self._seen[key] = until
        heapq.heappush(self._expiry, (until, sender, nonce))


class StoreReplayCache:
    def __init__(self, store: Store) -> None:
        schema.migrate(store)
        self.store = store
        self._inserts = 0

    def remember(self, sender: str, nonce: str, until: float, now: float) -> None:
        with self.store.transaction() as cur:
            if self._inserts % _PRUNE_EVERY == 0:
                cur.execute("DELETE FROM identity_nonces WHERE expires < ?", (now,))
            self._inserts += 1
            done = cur.execute(
                "INSERT INTO identity_nonces (sender, nonce, expires) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (sender, nonce, until),
            )
            if done.rowcount == 0:
                raise _replayed(sender, nonce)


class SharedReplayCache:
    def __init__(self, shared: SharedState) -> None:
        self.shared = shared

    def remember(self, sender: str, nonce: str, until: float, now: float) -> None:
        # The key lives as long as the envelope could still be accepted.
        if not self.shared.once(f"nonce:{sender}\x1f{nonce}", max(until - now, 0.001)):
            raise _replayed(sender, nonce)
