"""Pinned MCP tool definitions, kept in the store (component ``mcp``, table ``mcp_pins``).

A tool's definition (name, title, description, input and output schemas,
annotations) is pinned
by the SHA-256 of its canonical JSON, per server and tool, the first time the proxy
sees it clean (trust on first use). A row may also hold a *candidate*: a definition
the proxy saw but does not serve, because it differs from the pin (a rug pull) or
because detection stopped it on first sight (a poisoned description). The tool stays
withheld until an operator approves the candidate (it becomes the pin) or forgets
the row.

    first sight, clean     -> pinned
    first sight, poisoned  -> candidate only (reason "poisoned: ..."), withheld
    pinned, seen changed   -> pinned + candidate (reason "changed"), withheld
    approve                -> the candidate becomes the pin
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from immuno.core.errors import InputError
from immuno.store.base import Store

COMPONENT = "mcp"
MIGRATIONS = [
    """CREATE TABLE mcp_pins (
        server           TEXT NOT NULL,
        tool             TEXT NOT NULL,
        digest           TEXT,
        definition       TEXT,
        pinned_at        REAL,
        candidate_digest TEXT,
        candidate        TEXT,
        candidate_at     REAL,
        reason           TEXT,
        PRIMARY KEY (server, tool)
    );""",
]
# What a tool is and does, as the model and client read it; icons and _meta are display.
PINNED_FIELDS = ("name", "title", "description", "inputSchema", "outputSchema", "annotations")
_COLUMNS = (
    "server, tool, digest, definition, pinned_at, candidate_digest, candidate, candidate_at, reason"
)


def definition_of(tool: Mapping[str, Any]) -> dict[str, Any]:
    """The pinned part of a ``tools/list`` entry."""
    return {key: tool[key] for key in PINNED_FIELDS if tool.get(key) is not None}


def canonical(definition: Mapping[str, Any]) -> str:
    return msgspec.json.encode(definition, order="sorted").decode()


def digest_of(definition: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON (sorted keys) of a tool's definition."""
    return hashlib.sha256(canonical(definition).encode()).hexdigest()


@dataclass(frozen=True)
class Pin:
    server: str
    tool: str
    digest: str | None  # None: never pinned (first seen poisoned)
    definition: str | None  # canonical JSON of the pinned definition
    pinned_at: float | None
    candidate_digest: str | None  # a definition seen but withheld
    candidate: str | None
    candidate_at: float | None
    reason: str | None  # why the candidate is withheld: "changed" or "poisoned: ..."

    @property
    def status(self) -> str:
        if self.candidate_digest is None:
            return "pinned"
        return "changed" if self.digest is not None else "poisoned"


class Pins:
    """The pin book. ``clock`` gives seconds since the epoch."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        store.migrate(COMPONENT, MIGRATIONS)

    def of_server(self, server: str) -> dict[str, Pin]:
        rows = self.store.query(f"SELECT {_COLUMNS} FROM mcp_pins WHERE server = ?", (server,))
        return {row[1]: Pin(*row) for row in rows}

    def get(self, server: str, tool: str) -> Pin | None:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM mcp_pins WHERE server = ? AND tool = ?", (server, tool)
        )
        return Pin(*rows[0]) if rows else None

    def list(self, server: str | None = None) -> list[Pin]:
        where, params = ("WHERE server = ?", (server,)) if server is not None else ("", ())
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM mcp_pins {where} ORDER BY server, tool", params
        )
        return [Pin(*row) for row in rows]

    def pin(self, server: str, tool: str, definition: Mapping[str, Any]) -> bool:
        """Pin a clean definition of a tool with no pin yet (never seen, or seen only
        poisoned: that record is cleared); False when another process pinned the tool
        first, so the caller must compare again."""
        with self.store.transaction() as cur:
            done = cur.execute(
                "INSERT INTO mcp_pins (server, tool, digest, definition, pinned_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (server, tool) DO UPDATE SET "
                "digest = excluded.digest, definition = excluded.definition, "
                "pinned_at = excluded.pinned_at, candidate_digest = NULL, candidate = NULL, "
                "candidate_at = NULL, reason = NULL WHERE mcp_pins.digest IS NULL",
                (server, tool, digest_of(definition), canonical(definition), self.clock()),
            )
            return bool(done.rowcount)

    def withhold(self, server: str, tool: str, definition: Mapping[str, Any], reason: str) -> bool:
        """Record a definition the proxy does not serve; True when it is new (not the
        candidate already recorded), so the caller raises an incident once per change."""
        digest = digest_of(definition)
        with self.store.transaction() as cur:
            done = cur.execute(
                "INSERT INTO mcp_pins (server, tool, candidate_digest, candidate, candidate_at, "
                "reason) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (server, tool) DO UPDATE SET "
                "candidate_digest = excluded.candidate_digest, candidate = excluded.candidate, "
                "candidate_at = excluded.candidate_at, reason = excluded.reason "
                "WHERE mcp_pins.candidate_digest IS NULL "
                "OR mcp_pins.candidate_digest <> excluded.candidate_digest",
                (server, tool, digest, canonical(definition), self.clock(), reason),
            )
            return bool(done.rowcount)

    def approve(self, server: str, tool: str) -> Pin:
        """Make the withheld candidate the pin (after an operator read it)."""
        with self.store.transaction() as cur:
            changed = cur.execute(
                "UPDATE mcp_pins SET digest = candidate_digest, definition = candidate, "
                "pinned_at = ?, candidate_digest = NULL, candidate = NULL, candidate_at = NULL, "
                "reason = NULL WHERE server = ? AND tool = ? AND candidate_digest IS NOT NULL",
                (self.clock(), server, tool),
            ).rowcount
        pin = self.get(server, tool)
        if pin is None:
            raise InputError("tool", f"no pin for {tool!r} of server {server!r}")
        if not changed:
            raise InputError("tool", f"{server}/{tool} has no withheld definition to approve")
        return pin

    def forget(self, server: str, tool: str | None = None) -> int:
        """Drop the pins of a server (or one tool): the next listing is a first sight."""
        sql = "DELETE FROM mcp_pins WHERE server = ?"
        params: tuple[str, ...] = (server,)
        if tool is not None:
            sql, params = f"{sql} AND tool = ?", (server, tool)
        with self.store.transaction() as cur:
            gone = int(cur.execute(sql, params).rowcount)
        if not gone:
            what = f"{server}/{tool}" if tool is not None else f"server {server!r}"
            raise InputError("server", f"no pins for {what}")
        return gone
