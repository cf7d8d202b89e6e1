"""Portable SQL the layers share: statements both SQLite (>= 3.35) and PostgreSQL run."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from immuno.core.errors import StoreError


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


def apply_migrations(
    cur: Any,
    component: str,
    steps: Sequence[str],
    split: Callable[[str], Iterator[str]],
) -> None:
    """Inside the caller's transaction: run the steps of ``component`` its recorded
    version has not seen (each script cut into statements by ``split``), then record
    the new version. A store newer than this immuno is refused, never downgraded."""
    row = cur.execute(
        "SELECT version FROM immuno_schema WHERE component = ?", (component,)
    ).fetchone()
    current = row[0] if row else 0
    if current > len(steps):
        raise StoreError(
            f"schema of {component!r} is version {current}, "
            f"newer than this immuno understands ({len(steps)}); upgrade immuno"
        )
    for script in steps[current:]:
        for statement in split(script):
            cur.execute(statement)
    cur.execute(
        "INSERT INTO immuno_schema (component, version) VALUES (?, ?) "
        "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        (component, len(steps)),
    )
