"""PostgreSQL store: one database shared by many processes and hosts (psycopg 3, pooled).

Every connection of the pool is in autocommit: ``query`` is one statement, one
transaction; ``transaction`` opens an explicit one. Writers that must not interleave
across processes name a lock: ``transaction(lock="audit")`` takes a transaction-level
advisory lock, released by the COMMIT or ROLLBACK that ends it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.adapt import Buffer, Dumper, Loader
from psycopg_pool import ConnectionPool

from immuno.core.errors import StoreError
from immuno.store.base import Row
from immuno.store.dialect import to_postgres
from immuno.store.location import redact
from immuno.store.sql import apply_migrations
from immuno.store.sqlite import statements

DIALECT = "postgresql"
POOL_SIZE = 10
_SCHEMA_TABLE = """CREATE TABLE IF NOT EXISTS immuno_schema (
    component TEXT PRIMARY KEY,
    version   INTEGER NOT NULL
)"""
_MIGRATIONS_LOCK = "immuno_schema"
_cursor_names = itertools.count()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` (same on every host)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8, person=b"immuno-lock").digest()
    return int.from_bytes(digest, "big", signed=True)


# PostgreSQL text cannot hold NUL, which the layers use as a separator: \x01 escapes it
# (and itself) on the way in and back on the way out, so text round-trips unchanged.
_ESCAPE = str.maketrans({"\x01": "\x01\x01", "\x00": "\x01\x02"})
_ESCAPED = re.compile("\x01([\x01\x02])")


def _unescape(found: re.Match[str]) -> str:
    return "\x01" if found.group(1) == "\x01" else "\x00"


class _TextDumper(Dumper):
    """str parameters, their type left for the server to infer (as psycopg's own)."""

    def dump(self, obj: str) -> bytes:
        if "\x00" in obj or "\x01" in obj:
            obj = obj.translate(_ESCAPE)
        return obj.encode()


class _TextLoader(Loader):
    def load(self, data: Buffer) -> str:
        text = bytes(data).decode()
        return _ESCAPED.sub(_unescape, text) if "\x01" in text else text


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_dumper(str, _TextDumper)
    for name in ("text", "varchar"):
        conn.adapters.register_loader(name, _TextLoader)


def _problem(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostgresCursor:
    """The DB-API subset layers use, taking their SQL (``?`` placeholders)."""

    __slots__ = ("_cur", "_location")

    def __init__(self, cur: psycopg.Cursor[Any], location: str) -> None:
        self._cur = cur
        self._location = location

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> PostgresCursor:
        try:
            self._cur.execute(to_postgres(sql), tuple(params))
        except psycopg.Error as exc:
            raise StoreError(f"{self._location}: {_problem(exc)}") from None
        return self

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]], /) -> PostgresCursor:
        rows = [tuple(params) for params in seq]
        if rows:
            try:
                self._cur.executemany(to_postgres(sql), rows)
            except psycopg.Error as exc:
                raise StoreError(f"{self._location}: {_problem(exc)}") from None
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall() if self._cur.description else []

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PostgresStore:
    """A pool of connections to one PostgreSQL database (and schema, via the URL)."""

    dialect = DIALECT

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE, timeout: float = 10.0) -> None:
        self.location = redact(url)
        self._timeout = timeout
        try:  # one direct connection first: a refused one says why, a pool only times out
            psycopg.connect(url, connect_timeout=max(1, int(timeout))).close()
        except psycopg.Error as exc:
            raise StoreError(f"{self.location}: cannot connect: {_problem(exc)}") from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            configure=_configure,
            timeout=timeout,
            name="immuno",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreError(f"{self.location}: cannot connect: {_problem(exc)}") from None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            conn = self._pool.getconn(timeout=self._timeout)
        except psycopg.Error as exc:
            raise StoreError(f"{self.location}: no connection: {_problem(exc)}") from None
        try:
            yield conn
        finally:
            self._pool.putconn(conn)  # one left mid-transaction is rolled back or dropped

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[PostgresCursor]:
        """One transaction on one pooled connection: committed on exit, rolled back whole
        on any error. ``lock`` serialises it with every other holder of that name."""
        with self._connection() as conn:
            try:
                with conn.transaction():
                    cur = PostgresCursor(conn.cursor(), self.location)
                    if lock is not None:
                        cur.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(lock),))
                    yield cur
            except psycopg.Error as exc:  # the COMMIT itself failed
                raise StoreError(f"{self.location}: commit failed: {_problem(exc)}") from None

    def migrate(self, component: str, steps: Sequence[str]) -> int:
        """Apply the steps ``component`` has not seen yet; return its schema version."""
        if not steps:
            raise StoreError(f"{component}: a schema needs at least one migration step")
        try:
            # Migrators in several processes queue on one lock: each step runs once.
            with self.transaction(lock=_MIGRATIONS_LOCK) as cur:
                cur.execute(_SCHEMA_TABLE)
                apply_migrations(cur, component, steps, statements)
        except StoreError as exc:
            problem = str(exc).removeprefix(f"{self.location}: ")
            raise StoreError(
                f"{self.location}: migrating {component!r} failed: {problem}"
            ) from None
        return len(steps)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._connection() as conn:
            return PostgresCursor(conn.cursor(), self.location).execute(sql, params).fetchall()

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """Stream rows of a read through a server-side cursor (bounded memory)."""
        with self._connection() as conn:
            try:
                with conn.transaction(), conn.cursor(f"immuno_{next(_cursor_names)}") as cur:
                    cur.itersize = 500
                    cur.execute(to_postgres(sql), tuple(params))
                    yield from cur
            except psycopg.Error as exc:
                raise StoreError(f"{self.location}: read failed: {_problem(exc)}") from None

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
