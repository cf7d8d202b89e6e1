"""The identity layer's tables. Append a step to change them; never edit an old one."""

from __future__ import annotations

from immuno.store import Store

COMPONENT = "identity"

STEPS = [
    """
    CREATE TABLE identity_agents (
        agent   TEXT PRIMARY KEY,
        roles   TEXT NOT NULL DEFAULT '[]',
        status  TEXT NOT NULL,
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE identity_keys (
        agent     TEXT NOT NULL REFERENCES identity_agents (agent),
        kid       TEXT NOT NULL,
        alg       TEXT NOT NULL,
        public    BLOB,
        sealed    BLOB,
        status    TEXT NOT NULL,
        created   REAL NOT NULL,
        not_after REAL,
        PRIMARY KEY (agent, kid)
    );
    CREATE TABLE identity_nonces (
        sender  TEXT NOT NULL,
        nonce   TEXT NOT NULL,
        expires REAL NOT NULL,
        PRIMARY KEY (sender, nonce)
    ) WITHOUT ROWID;
    CREATE INDEX identity_nonces_expires ON identity_nonces (expires);
    CREATE TABLE identity_revoked_tokens (
        jti     TEXT PRIMARY KEY,
        expires REAL NOT NULL,
        reason  TEXT NOT NULL
    );
    CREATE TABLE identity_certs (
        serial    TEXT PRIMARY KEY,
        agent     TEXT NOT NULL,
        not_after REAL NOT NULL,
        revoked   REAL
    );
    CREATE TABLE identity_fingerprints (
        agent   TEXT PRIMARY KEY,
        state   BLOB NOT NULL,
        updated REAL NOT NULL
    );
    """
]


def migrate(store: Store) -> None:
    store.migrate(COMPONENT, STEPS)
