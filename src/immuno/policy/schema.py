"""The policy component's tables: one migration list for the whole component (the
store versions it per component), so steps are only ever appended."""

from __future__ import annotations

SCHEMA = [
    # 1: approval requests (approvals.py)
    """CREATE TABLE policy_approvals (
        id         TEXT PRIMARY KEY,
        created    REAL NOT NULL,
        agent      TEXT NOT NULL,
        tool       TEXT NOT NULL,
        args       TEXT NOT NULL,
        digest     TEXT NOT NULL,
        trace      TEXT,
        reason     TEXT NOT NULL,
        status     TEXT NOT NULL,
        decided_at REAL,
        decided_by TEXT,
        note       TEXT
    );
    CREATE INDEX policy_approvals_status ON policy_approvals (status, created);""",
    # 2: values written into tools from untrusted content (written.py)
    """CREATE TABLE policy_written (
        value TEXT NOT NULL,
        scope TEXT NOT NULL,
        level INTEGER NOT NULL,
        agent TEXT NOT NULL,
        tool  TEXT NOT NULL,
        trace TEXT,
        at    REAL NOT NULL,
        seq   INTEGER NOT NULL,
        PRIMARY KEY (value, scope)
    );
    CREATE INDEX policy_written_seq ON policy_written (seq);""",
    # 3: sessions and what each agent read in them (sessions.py)
    """CREATE TABLE policy_sessions (
        id      TEXT PRIMARY KEY,
        gen     TEXT NOT NULL,
        opened  REAL NOT NULL,
        touched REAL NOT NULL,
        ended   REAL
    );
    CREATE INDEX policy_sessions_touched ON policy_sessions (touched);
    CREATE TABLE policy_reads (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        session TEXT NOT NULL,
        agent   TEXT NOT NULL,
        read    TEXT NOT NULL,
        level   INTEGER NOT NULL,
        text    TEXT NOT NULL,
        tokens  TEXT NOT NULL,
        against TEXT NOT NULL,
        via     TEXT NOT NULL
    );
    CREATE INDEX policy_reads_session ON policy_reads (session, agent, seq);
    CREATE TABLE policy_taint (
        session TEXT NOT NULL,
        agent   TEXT NOT NULL,
        PRIMARY KEY (session, agent)
    );""",
]
