"""Tables of guarded memory (component ``memory``)."""

COMPONENT = "memory"
MIGRATIONS = [
    """
    CREATE TABLE memory_records (
        id INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
        provenance TEXT NOT NULL, agent TEXT NOT NULL, trace TEXT, at REAL NOT NULL,
        status TEXT NOT NULL, decided_by TEXT, signal_id TEXT NOT NULL
    );
    CREATE INDEX memory_records_status ON memory_records (status, namespace);
    CREATE TABLE memory_chain (
        seq INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL, namespace TEXT NOT NULL, key TEXT NOT NULL,
        kind TEXT NOT NULL, op TEXT NOT NULL, value TEXT NOT NULL, provenance TEXT NOT NULL,
        agent TEXT NOT NULL, trace TEXT, at REAL NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL
    );
    CREATE INDEX memory_chain_key ON memory_chain (namespace, key, seq);
    CREATE TABLE memory_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,
                              hash TEXT NOT NULL);
    """,
]
