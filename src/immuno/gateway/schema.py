"""The gateway's own tables (component ``gateway`` of the store)."""

from __future__ import annotations

from immuno.store.base import Store

MIGRATIONS = [
    """
    CREATE TABLE gateway_inbox (
        id            TEXT PRIMARY KEY,
        recipient     TEXT NOT NULL,
        sender        TEXT NOT NULL,
        kind          TEXT NOT NULL,
        body          TEXT NOT NULL,
        received      REAL NOT NULL,
        seq           INTEGER,
        status        TEXT NOT NULL,
        quarantine_id TEXT
    );
    CREATE INDEX gateway_inbox_recipient ON gateway_inbox (recipient, status, received);
    CREATE INDEX gateway_inbox_quarantine ON gateway_inbox (quarantine_id);
    CREATE TABLE gateway_sessions (
        id     TEXT PRIMARY KEY,
        agent  TEXT NOT NULL,
        opened REAL NOT NULL,
        ended  REAL
    );
    """
]


def migrate(store: Store) -> None:
    store.migrate("gateway", MIGRATIONS)
