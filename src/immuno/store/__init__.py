"""Persistence behind one small interface. SQLite is the embedded default."""

from pathlib import Path

from immuno.core.errors import NoStore
from immuno.store.base import Cursor, Row, Store
from immuno.store.location import StoreKind, parse_location, redact
from immuno.store.sqlite import SQLiteStore

__all__ = [
    "Cursor",
    "NoStore",
    "Row",
    "SQLiteStore",
    "Store",
    "StoreKind",
    "open_store",
    "parse_location",
]


def open_store(location: str, *, timeout: float = 5.0, create: bool = True) -> Store:
    """Open the store a configuration names: a SQLite path (bare, ``sqlite:///path`` or
    ``:memory:``) or a ``postgresql://`` URL. ``timeout``: seconds to wait for a
    server connection before the operation fails (closed).

    ``create=False`` opens only a store that already exists (a SQLite file, or a
    PostgreSQL database where immuno has made its tables) and raises :class:`NoStore`
    otherwise, creating nothing: what a command that only reads must do."""
    kind, target = parse_location(location)
    if not create:
        return _existing(kind, target, location, timeout)
    if kind == "postgresql":
        try:
            from immuno.store.postgres import PostgresStore
        except ImportError:
            from immuno.core.errors import StoreError

            raise StoreError(
                "a postgresql:// store needs psycopg: pip install 'immuno[postgres]'"
            ) from None
        return PostgresStore(target, timeout=timeout)
    return SQLiteStore(target)


def _existing(kind: StoreKind, target: str, location: str, timeout: float) -> Store:
    if kind == "sqlite":
        if target == ":memory:":
            raise NoStore(target, "an in-memory store holds nothing for another process")
        if not Path(target).is_file():
            raise NoStore(target)
        return SQLiteStore(target, create=False)
    store = open_store(location, timeout=timeout)
    found = store.query("SELECT to_regclass('immuno_schema') IS NOT NULL")
    if not found or not found[0][0]:
        store.close()
        raise NoStore(redact(location), "the database has no immuno tables yet")
    return store
