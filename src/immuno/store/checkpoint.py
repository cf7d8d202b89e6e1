"""WAL checkpoints off every commit path.

In WAL mode SQLite copies the log back into the database ("checkpoint") from inside
whichever commit crosses the threshold, fsyncing twice; that one commit then takes
milliseconds, and with it the check that made it. Every connection immuno opens on a
SQLite file turns automatic checkpoints off, and one thread per file and process, on a
connection of its own, runs PASSIVE checkpoints (they never block a writer) after every
``every`` commits made through any of that process's connections to the file. The
WAL is one per file, so a connection that kept automatic checkpoints would run them
for everyone's commits. Durability is unchanged: a commit is in the WAL before it
returns, whether or not it was checkpointed yet.

SQLite writes the log from its start again only when a write begins with every frame
already copied back, and a PASSIVE checkpoint runs while writers go on committing.
So after each checkpoint the thread waits for a quiet moment (no commit in this
process for ``_QUIET`` seconds) and tries once, without waiting, a RESTART
checkpoint: the next write then starts the log over. Under load that never pauses,
the log would grow without bound; once it holds ``restart_frames`` frames (64 MB) the
restart is forced: up to five tries, each waiting at most 5 ms for the write lock
and then, holding it, for readers, while writers wait (measured with no long reader:
one wait of 35-55 ms per 64 MB of log). If a reader holds on through all five, the
next forced try waits until the log has grown by as much again. The log file keeps
its size and is reused.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

DEFAULT_EVERY = 1000
RESTART_FRAMES = 16_384  # frames in the log (64 MB of 4 KB pages) before it starts over
_QUIET = 0.05  # seconds without a commit: a moment to start the log over for free
_FORCED_TRIES = 5  # a forced restart's tries, then not before the log grows as much again
_FORCED_WAIT_MS = 5  # a forced RESTART waits this long for the lock, and then for readers
_PAUSE = 0.002  # seconds between tries while a writer or reader is in the way


class Checkpointer:
    def __init__(
        self, location: str, every: int = DEFAULT_EVERY, restart_frames: int = RESTART_FRAMES
    ) -> None:
        self.location = location
        self.every = every
        self.restart_frames = restart_frames
        self.users = 0  # open stores on the file in this process
        self._commits = 0
        self._last = 0.0  # when the last commit was made (monotonic)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._pid = 0  # the process the thread runs in: a forked child starts its own
        self.failures = 0  # checkpoints that failed (SQLite retries them at the next one)
        self.done = 0  # checkpoints run
        self.restarted = 0  # times the log was made to start over
        self.restart_tries = 0  # RESTART checkpoints tried

    def committed(self) -> None:
        """Called after each commit, from any thread."""
        with self._lock:
            self._commits += 1
            self._last = time.monotonic()
            if self._commits % self.every or self._stop:
                return
            if self._thread is None or self._pid != os.getpid():
                self._thread = threading.Thread(
                    target=self._run, name="immuno-checkpoint", daemon=True
                )
                self._pid = os.getpid()
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        try:
            # no busy wait: a PASSIVE checkpoint never waits anyway, and a restart
            # must not hold writers up while it waits for a reader
            conn = sqlite3.connect(self.location, isolation_level=None, timeout=0.0)
            # as the stores' own connections: a checkpoint under FULL syncs more often
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            self.failures += 1
            return
        due = False  # checkpointed since the log last started over: restart when quiet
        force_at = self.restart_frames  # frames in the log at which a restart is forced
        try:
            while True:
                # while a restart is due, wake when the last commit is _QUIET old
                calm = _QUIET - (time.monotonic() - self._last)
                woken = self._wake.wait(timeout=max(calm, 0.001) if due else None)
                if woken:  # (a wake that comes after a timeout is kept for the next turn)
                    self._wake.clear()
                if self._stop:
                    return
                try:
                    if woken:
                        _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                        self.done += 1
                        due = True
                        if frames >= force_at:
                            if self._restart(conn, _FORCED_TRIES, _FORCED_WAIT_MS):
                                due, force_at = False, self.restart_frames
                            else:  # a reader held on: not before the log grows as much again
                                force_at = frames + self.restart_frames
                    elif due and time.monotonic() - self._last >= _QUIET:
                        # one try; if a writer or reader was in the way, the next one
                        # comes after the next checkpoint
                        if self._restart(conn, 1, 0):
                            force_at = self.restart_frames
                        due = False
                except sqlite3.Error:
                    self.failures += 1
        finally:
            conn.close()

    def _restart(self, conn: sqlite3.Connection, tries: int, wait_ms: int) -> bool:
        """Copy back what is left and make the next write start the log over; a RESTART
        waits up to ``wait_ms`` for the write lock (and, holding it, for readers)."""
        for attempt in range(tries):
            if self._stop:
                return False
            if attempt:
                time.sleep(_PAUSE)
            self.restart_tries += 1
            conn.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                busy, _, _ = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            finally:
                conn.execute("PRAGMA busy_timeout=0")
            if not busy:
                self.restarted += 1
                return True
        return False

    def close(self) -> None:
        with self._lock:
            self._stop = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=10.0)


_BY_FILE: dict[str, Checkpointer] = {}
_BY_FILE_LOCK = threading.Lock()


def acquire(location: str) -> Checkpointer:
    """The checkpointer of the file at ``location`` (an absolute path), shared by every
    store on it in this process; :func:`release` it when the store closes."""
    with _BY_FILE_LOCK:
        found = _BY_FILE.get(location)
        if found is None:
            found = _BY_FILE[location] = Checkpointer(location, DEFAULT_EVERY, RESTART_FRAMES)
        found.users += 1
        return found


def release(checkpointer: Checkpointer) -> None:
    """One store on the file closed; the last one stops its thread."""
    with _BY_FILE_LOCK:
        checkpointer.users -= 1
        if checkpointer.users > 0:
            return
        if _BY_FILE.get(checkpointer.location) is checkpointer:
            del _BY_FILE[checkpointer.location]
    checkpointer.close()
