"""The detect component's tables in the shared store (versioned migrations)."""

from __future__ import annotations

from immuno.store.base import Store

STEPS = [
    """
    CREATE TABLE detect_vaccine (
        id       TEXT PRIMARY KEY,
        text     TEXT NOT NULL,
        shingles BLOB NOT NULL,
        added_at REAL NOT NULL
    );
    CREATE TABLE detect_baseline (
        agent   TEXT NOT NULL,
        channel TEXT NOT NULL,
        state   BLOB NOT NULL,
        PRIMARY KEY (agent, channel)
    );
    CREATE TABLE detect_quarantine (
        id        TEXT PRIMARY KEY,
        signal_id TEXT NOT NULL,
        agent     TEXT NOT NULL,
        kind      TEXT NOT NULL,
        action    TEXT NOT NULL,
        score     REAL NOT NULL,
        reasons   TEXT NOT NULL,
        content   TEXT NOT NULL,
        at        REAL NOT NULL,
        status    TEXT NOT NULL DEFAULT 'held'
    );
    CREATE INDEX detect_quarantine_status ON detect_quarantine (status, at);
    """,
]


def migrate(store: Store) -> None:
    store.migrate("detect", STEPS)
