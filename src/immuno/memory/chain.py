"""The integrity chain of committed memory.

Each committed change is an entry whose hash covers its content and the previous
entry's hash (``hash_n = SHA-256(hash_{n-1} || canonical JSON of entry n)``), so
editing, deleting or reordering a row behind immuno's back breaks every later link.
The head (last seq and hash) is kept in its own table to catch a truncated tail.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from immuno.core.errors import StoreError
from immuno.store.base import Cursor, Store

GENESIS = "0" * 64
COLUMNS = "seq, record_id, namespace, key, kind, op, value, provenance, agent, trace, at"


class MemoryTampered(StoreError):
    """The committed memory does not match its integrity chain."""

    def __init__(self, seq: int, problem: str) -> None:
        self.seq = seq
        super().__init__(f"memory chain entry {seq}: {problem}")


def entry_hash(prev: str, fields: tuple[Any, ...]) -> str:
    return hashlib.sha256(prev.encode() + msgspec.json.encode(list(fields))).hexdigest()


def append(cur: Cursor, fields: tuple[Any, ...]) -> int:
    """Append one entry (``fields`` without seq) inside the caller's transaction."""
    head = cur.execute("SELECT seq, hash FROM memory_head WHERE id = 1").fetchone()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    full = (seq, *fields)
    digest = entry_hash(prev, full)
    cur.execute(
        f"INSERT INTO memory_chain ({COLUMNS}, prev, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (*full, prev, digest),
    )
    cur.execute(
        "INSERT INTO memory_head (id, seq, hash) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, digest),
    )
    return seq


def verify(store: Store) -> int:
    """Recompute the whole chain; return its length or raise :class:`MemoryTampered`."""
    prev, expected = GENESIS, 1
    for row in store.iterate(f"SELECT {COLUMNS}, prev, hash FROM memory_chain ORDER BY seq"):
        fields, stored_prev, stored_hash = tuple(row[:-2]), row[-2], row[-1]
        seq = fields[0]
        if seq != expected:
            raise MemoryTampered(expected, f"missing (found {seq} next)")
        if stored_prev != prev:
            raise MemoryTampered(seq, "does not link to the entry before it")
        if entry_hash(prev, fields) != stored_hash:
            raise MemoryTampered(seq, "content was changed after it was committed")
        prev, expected = stored_hash, expected + 1
    head = store.query("SELECT seq, hash FROM memory_head WHERE id = 1")
    length = expected - 1
    if head and (head[0][0] != length or head[0][1] != prev):
        raise MemoryTampered(head[0][0], "the chain was truncated (head does not match)")
    if not head and length:
        raise MemoryTampered(length, "the chain head is missing")
    return length
