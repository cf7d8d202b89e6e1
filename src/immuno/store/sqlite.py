"""SQLite store: the embedded default. WAL journal, versioned per-component schemas."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from immuno.core.errors import StoreError
from immuno.store import checkpoint
from immuno.store.base import Row
from immuno.store.sql import apply_migrations

_SCHEMA_TABLE = """CREATE TABLE IF NOT EXISTS immuno_schema (
    component TEXT PRIMARY KEY,
    version   INTEGER NOT NULL
)"""


def statements(script: str) -> Iterator[str]:
    """Split a migration script into complete statements."""
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                yield buffer.strip()
            buffer = ""
    if buffer.strip(" \n\t;"):
        raise StoreError(f"incomplete SQL statement in migration: {buffer.strip()[:80]!r}")


class SQLiteStore:
    """One SQLite file (or ``:memory:``), safe to share between threads."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        """``create=False``: open an existing file only (its folder and the file are
        never made; a missing file is an error, even one removed a moment ago)."""
        self.location = str(path)
        if self.location != ":memory:" and create:
            try:
                Path(self.location).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.location}: cannot create directory: {exc}") from None
        self._lock = threading.RLock()
        target = self.location
        if not create and target != ":memory:":  # SQLite itself refuses to make the file
            target = Path(target).resolve().as_uri() + "?mode=rw"
        try:
            self._conn = sqlite3.connect(
                target,
                isolation_level=None,
                check_same_thread=False,
                timeout=5.0,
                uri=not create,
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute(_SCHEMA_TABLE)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.location}: not a usable SQLite database ({exc})") from None
        # A file's checkpoints run on a thread of their own, never inside a commit
        # (``checkpoint.py``); ``:memory:`` has no WAL.
        self._checkpointer: checkpoint.Checkpointer | None = None
        if self.location != ":memory:":
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = checkpoint.acquire(str(Path(self.location).resolve()))

    @contextmanager
    def transaction(self, *, lock: str | None = None) -> Iterator[sqlite3.Cursor]:
        """An immediate (write-locked) transaction; rolled back whole on any error.
        ``BEGIN IMMEDIATE`` takes the file's one write lock, so every named ``lock``
        is already held."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.location}: cannot begin transaction: {exc}") from None
            try:
                yield cur
            except BaseException:
                self._conn.rollback()
                raise
            try:
                cur.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.rollback()
                raise StoreError(f"{self.location}: commit failed: {exc}") from None
            if self._checkpointer is not None:
                self._checkpointer.committed()

    def migrate(self, component: str, steps: Sequence[str]) -> int:
        """Apply the steps ``component`` has not seen yet; return its schema version."""
        if not steps:
            raise StoreError(f"{component}: a schema needs at least one migration step")
        try:
            with self.transaction() as cur:
                apply_migrations(cur, component, steps, statements)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.location}: migrating {component!r} failed: {exc}") from None
        except StoreError as exc:
            problem = str(exc).removeprefix(f"{self.location}: ")
            raise StoreError(
                f"{self.location}: migrating {component!r} failed: {problem}"
            ) from None
        return len(steps)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            try:  # a closed connection raises here too: a StoreError like any other
                changes = self._conn.total_changes
                rows = self._conn.execute(sql, params).fetchall()
                wrote = self._conn.total_changes != changes
            except sqlite3.Error as exc:
                raise StoreError(f"{self.location}: query failed: {exc}") from None
            if wrote and self._checkpointer is not None:
                self._checkpointer.committed()  # a write outside a transaction commits
            return rows

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """Stream rows of a read on a separate cursor (bounded memory)."""
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise StoreError(f"{self.location}: query failed: {exc}") from None
        try:
            yield from cursor
        except sqlite3.Error as exc:  # a corrupt page can surface mid-stream
            raise StoreError(f"{self.location}: read failed: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpoint.release(checkpointer)

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
