"""Persistence behind one small interface. SQLite is the embedded default."""

from immuno.store.base import Cursor, Row, Store
from immuno.store.location import StoreKind, parse_location
from immuno.store.sqlite import SQLiteStore

__all__ = ["Cursor", "Row", "SQLiteStore", "Store", "StoreKind", "open_store", "parse_location"]


def open_store(location: str, *, timeout: float = 5.0) -> Store:
    """Open the store a configuration names: a SQLite path (bare, ``sqlite:///path`` or
    ``:memory:``) or a ``postgresql://`` URL. ``timeout``: seconds to wait for a
    server connection before the operation fails (closed)."""
    kind, target = parse_location(location)
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
