"""Portable SQL the layers share: statements both SQLite (>= 3.35) and PostgreSQL run."""

from __future__ import annotations

from collections.abc import Sequence


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """Insert a whole row, or overwrite the one with the same ``key`` (what SQLite's
    ``INSERT OR REPLACE`` does, in SQL PostgreSQL also accepts)."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    conflict = f"ON CONFLICT ({', '.join(key)}) " + (
        f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    )
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) {conflict}"
