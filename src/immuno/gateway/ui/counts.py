"""Per layer, how many signals it had a finding on: the "flagged" side of the rates.

The threat store's finding rows only grow, and one signal's rows are written in one
transaction (consecutive ids), so the rows are read in full once per worker, then only
the rows added since (through the primary key). The full read runs on a thread of its
own, with a connection of its own, so no page waits for it for long: until it is done
the count is unknown (None) and the page says so.
"""

from __future__ import annotations

import logging
import threading

from immuno.store import open_store
from immuno.store.base import Store

log = logging.getLogger("immuno.gateway.ui")
_TOP = "SELECT COALESCE(MAX(id), 0) FROM response_findings"
_COUNT = (
    "SELECT layer, count(DISTINCT signal_id) FROM response_findings"
    " WHERE id > ? AND id <= ? GROUP BY layer"
)


def _count(store: Store, after: int, upto: int) -> dict[str, int]:
    return {str(layer): int(n) for layer, n in store.query(_COUNT, (after, upto))}


class SignalCounts:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._read_to = 0
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def current(self, wait: float) -> dict[str, int] | None:
        """The counts now, or None while the first full read is still running (after
        waiting up to ``wait`` seconds for it)."""
        if not self._ready.is_set():
            self._start()
            if not self._ready.wait(wait):
                return None
        top = int(self.store.query(_TOP)[0][0])
        with self._lock:
            if top > self._read_to:
                for layer, n in _count(self.store, self._read_to, top).items():
                    self._seen[layer] = self._seen.get(layer, 0) + n
                self._read_to = top
            return dict(self._seen)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            if self.store.location == ":memory:":  # one connection: read it here
                self._full(self.store)
                return
            self._thread = threading.Thread(
                target=self._background, daemon=True, name="immuno-ui-counts"
            )
            self._thread.start()

    def _background(self) -> None:
        try:
            own = open_store(self.store.location)
            try:
                with self._lock:
                    self._full(own)
            finally:
                own.close()
        except Exception:  # the next page view starts another
            log.exception("counting the threat store's findings failed")

    def _full(self, store: Store) -> None:
        top = int(store.query(_TOP)[0][0])
        self._seen, self._read_to = _count(store, 0, top), top
        self._ready.set()
