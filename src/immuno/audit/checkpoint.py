"""WAL checkpoints off the sealing path.

In WAL mode SQLite copies the log back into the database ("checkpoint") from inside
whichever commit crosses the threshold, fsyncing twice; that one ``seal`` then takes
milliseconds. The audit connection turns automatic checkpoints off and this thread,
on a connection of its own, runs PASSIVE checkpoints (they never block a writer)
after every ``every`` commits. Durability is unchanged: a sealed entry is in the WAL
before its sequence number is returned, whether or not it was checkpointed yet.
"""

from __future__ import annotations

import threading

from immuno.core.errors import StoreError
from immuno.store import open_store

DEFAULT_EVERY = 1000


class Checkpointer:
    def __init__(self, location: str, every: int = DEFAULT_EVERY) -> None:
        self.location = location
        self.every = every
        self._commits = 0
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.failures = 0  # checkpoints that failed (SQLite retries them at the next one)

    def committed(self) -> None:
        """Called by the committer after each commit (under its own serialisation)."""
        self._commits += 1
        if self._commits % self.every:
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="immuno-audit-checkpoint", daemon=True
            )
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        store = open_store(self.location)
        if store.dialect != "sqlite":  # nothing to checkpoint
            store.close()
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                try:
                    store.query("PRAGMA wal_checkpoint(PASSIVE)")
                except StoreError:
                    self.failures += 1
        finally:
            store.close()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
