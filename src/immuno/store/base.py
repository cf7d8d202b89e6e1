"""The persistence seam: what every layer may ask of a store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = tuple[Any, ...]


class Cursor(Protocol):
    """The DB-API subset layers use inside a transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, seq: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Store(Protocol):
    """State shared by the layers.

    Each component (``detect``, ``audit`` ...) owns its tables and their migrations:
    ``migrate("audit", [step1, step2])`` brings the component's schema to version 2,
    each step applied at most once, atomically with its version bump.

    SQL is SQLite's with ``?`` placeholders, kept to what PostgreSQL also accepts
    (``ON CONFLICT ... DO UPDATE``, ``RETURNING``); a server store translates the rest.
    ``dialect`` (``"sqlite"`` or ``"postgresql"``) guards engine-specific statements.
    ``transaction(lock=name)`` serialises the transaction with every other one holding
    ``name``, across processes and hosts.
    """

    location: str
    dialect: str

    def migrate(self, component: str, steps: Sequence[str]) -> int: ...

    def transaction(self, *, lock: str | None = None) -> AbstractContextManager[Cursor]:
        """A write transaction. ``lock`` names a component whose writers must take
        turns across processes and hosts (the audit log's sequence numbers)."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]: ...

    def close(self) -> None: ...
