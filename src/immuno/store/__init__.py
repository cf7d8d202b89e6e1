"""Persistence behind one small interface. SQLite is the embedded default."""

from immuno.store.base import Cursor, Row, Store
from immuno.store.sqlite import SQLiteStore

__all__ = ["Cursor", "Row", "SQLiteStore", "Store", "open_store"]


def open_store(location: str) -> Store:
    """Open the store a configuration names (a SQLite path, or ``:memory:``)."""
    return SQLiteStore(location)
