"""The audit log: seal decisions durably, in order, into an RFC 9162 Merkle tree.

Group commit (leader/follower): a sealer queues its entry; if no commit is running
it becomes the leader, takes every queued entry, and commits them in one
transaction; followers wait for that commit. Nobody gets a sequence number before
the COMMIT that holds their entry has returned, so a returned ``seq`` is always as
durable as ``durability`` promises:

* ``normal`` - SQLite WAL, synchronous=NORMAL: the commit is in the operating
  system when ``seal`` returns. Survives a crash of the process, not of the machine.
* ``full``   - synchronous=FULL: the WAL is fsynced before ``seal`` returns.
  Survives power loss, at the cost of one fsync per commit (shared by the group).

A single-threaded caller pays one commit per ``seal``; ``seal_many`` and concurrent
callers share commits. Tree heads are signed inside the commit that reaches them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from immuno.audit import reader
from immuno.audit.entry import encode_body, with_seq
from immuno.audit.errors import AuditError
from immuno.audit.merkle import CompactRange, leaf_hash
from immuno.audit.treehead import TreeHead, head_message
from immuno.core.authority import Authority
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.store.base import Cursor, Store

Durability = Literal["normal", "full"]

MIGRATIONS = [
    """
    CREATE TABLE audit_entries (
        seq    INTEGER PRIMARY KEY,
        entry  BLOB NOT NULL,
        hashes BLOB NOT NULL
    );
    CREATE TABLE audit_heads (
        id           INTEGER PRIMARY KEY,
        size         INTEGER NOT NULL,
        root         BLOB NOT NULL,
        timestamp_ms INTEGER NOT NULL,
        signature    BLOB NOT NULL,
        public_key   BLOB NOT NULL
    );
    CREATE INDEX audit_heads_size ON audit_heads (size);
    """
]
_INSERT = "INSERT INTO audit_entries (seq, entry, hashes) VALUES (?, ?, ?)"
_INSERT_HEAD = (
    "INSERT INTO audit_heads (size, root, timestamp_ms, signature, public_key) "
    "VALUES (?, ?, ?, ?, ?)"
)


class _Ticket:
    """One caller's entries. ``done`` turns true only after their COMMIT returned
    (``seqs`` set) or failed (``error`` set), never earlier."""

    __slots__ = ("bodies", "done", "error", "seqs")

    def __init__(self, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.done = False
        self.seqs: list[int] = []
        self.error: BaseException | None = None


class AuditLog:
    """The sealer of the pipeline (``name = "audit"``) and the log's reader."""

    name = "audit"

    def __init__(
        self,
        store: Store,
        authority: Authority,
        *,
        clock: Callable[[], float] = time.time,
        store_content: bool = False,
        head_every: int = 1000,
        head_interval: float = 60.0,
        durability: Durability = "normal",
        owns_store: bool = False,
    ) -> None:
        if head_every < 1 or head_interval <= 0:
            raise AuditError("tree heads need head_every >= 1 and head_interval > 0")
        self.store = store
        self.authority = authority
        self.clock = clock
        self.store_content = store_content
        self.head_every = head_every
        self.head_interval = head_interval
        self.durability = durability
        self.owns_store = owns_store  # a connection opened for the log alone: closed with it
        store.migrate("audit", MIGRATIONS)
        # SQLite has one writer at a time, so appending from the tree we know and
        # retrying under the lock on a key conflict is safe and saves a read per commit.
        # A server store lets an unlocked insert run beside a locked one: always lock.
        self._optimistic = store.dialect == "sqlite"
        if store.dialect == "sqlite":  # a server store's durability is the server's
            # (its WAL checkpoints run off the commit path: ``store/checkpoint.py``)
            store.query(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self._cond = threading.Condition()
        self._pending: list[_Ticket] = []
        self._leading = False
        self._tree = reader.load_tree(store, reader.log_size(store))
        self._load_head_state()

    # -- sealing ----------------------------------------------------------------

    def seal(self, signal: Signal, verdict: Verdict) -> int:
        """Append one decision; return its sequence number once it is durable."""
        return self._submit([encode_body(signal, verdict, store_content=self.store_content)])[0]

    def seal_many(self, decisions: Sequence[tuple[Signal, Verdict]]) -> list[int]:
        """Append several decisions in one commit (all or none)."""
        clear = self.store_content
        return self._submit([encode_body(s, v, store_content=clear) for s, v in decisions])

    def _submit(self, bodies: list[bytes]) -> list[int]:
        ticket = _Ticket(bodies)
        with self._cond:
            self._pending.append(ticket)
            while not ticket.done and self._leading:
                self._cond.wait()
            if not ticket.done:
                self._leading = True
                batch, self._pending = self._pending, []
            else:
                batch = []
        if batch:
            try:
                self._commit(batch)
            finally:
                with self._cond:
                    self._leading = False
                    self._cond.notify_all()
        if ticket.error is not None or not ticket.done:
            raise AuditError(f"sealing failed, nothing was logged: {ticket.error}") from None
        return ticket.seqs

    def _commit(self, batch: list[_Ticket]) -> None:
        try:
            if not self._optimistic:
                tree, head = self._write_locked(batch)
            else:
                try:
                    tree, head = self._write(batch, self._tree.copy())
                except Exception:
                    # Another process appended since our last commit, so its rows hold
                    # the sequence numbers we computed: seal again under the store's
                    # audit lock, from the log as it is now.
                    if reader.log_size(self.store) == self._tree.size:
                        raise
                    tree, head = self._write_locked(batch)
        except BaseException as exc:  # every waiter learns of the failure, none gets a seq
            for ticket in batch:
                ticket.seqs, ticket.error, ticket.done = [], exc, True
            if not isinstance(exc, Exception):
                raise
            return
        for ticket in batch:
            ticket.done = True
        self._tree = tree
        if head is not None:
            self._last_head = (head.size, head.timestamp_ms / 1000.0)

    @staticmethod
    def _rows(batch: list[_Ticket], tree: CompactRange) -> list[tuple[int, bytes, bytes]]:
        """Number the batch's entries from ``tree.size`` on, extending ``tree``."""
        rows = []
        for ticket in batch:
            ticket.seqs = []  # read by the caller only once ``done`` is set
            for body in ticket.bodies:
                seq = tree.size
                entry = with_seq(seq, body)
                leaf = leaf_hash(entry)
                rows.append((seq, entry, leaf + b"".join(tree.append(leaf))))
                ticket.seqs.append(seq)
        return rows

    def _write(
        self, batch: list[_Ticket], tree: CompactRange
    ) -> tuple[CompactRange, TreeHead | None]:
        """Optimistic: number from the tree this process knows. A row another writer
        added meanwhile makes the insert fail on its primary key, never overwrite."""
        rows = self._rows(batch, tree)
        if len(rows) == 1 and not self._head_due(tree):
            # One statement is its own (implicit) transaction: the same atomicity and
            # durability as BEGIN/INSERT/COMMIT, for two fewer round trips.
            self.store.query(_INSERT, rows[0])
            return tree, None
        with self.store.transaction(lock="audit") as cur:
            cur.executemany(_INSERT, rows)
            head = self._sign(cur, tree) if self._head_due(tree) else None
        return tree, head

    def _write_locked(self, batch: list[_Ticket]) -> tuple[CompactRange, TreeHead | None]:
        """Pessimistic: inside the write lock, read where the log ends, then append.
        No other writer can append between the read and the commit."""
        with self.store.transaction(lock="audit") as cur:
            size = reader.log_size(reader.on_cursor(cur))
            if size != self._tree.size:
                self._reload(reader.on_cursor(cur))
            tree = self._tree.copy()
            rows = self._rows(batch, tree)
            cur.executemany(_INSERT, rows)
            head = self._sign(cur, tree) if self._head_due(tree) else None
        return tree, head

    def _reload(self, reads: reader.Reads | None = None) -> None:
        reads = reads or self.store
        self._tree = reader.load_tree(reads, reader.log_size(reads))
        self._load_head_state(reads)

    def _load_head_state(self, reads: reader.Reads | None = None) -> None:
        head = reader.latest_head(reads or self.store)
        self._last_head = (head.size, head.timestamp_ms / 1000.0) if head else (0, self.clock())

    def _head_due(self, tree: CompactRange) -> bool:
        signed_size, signed_at = self._last_head
        if tree.size == signed_size:
            return False
        if tree.size - signed_size >= self.head_every:
            return True
        return self.clock() - signed_at >= self.head_interval

    def _sign(self, cur: Cursor, tree: CompactRange) -> TreeHead:
        root, timestamp_ms = tree.root(), int(self.clock() * 1000)
        signature = self.authority.sign(head_message(tree.size, root, timestamp_ms))
        head = TreeHead(
            size=tree.size,
            root=root,
            timestamp_ms=timestamp_ms,
            signature=signature,
            public_key=self.authority.public_bytes,
        )
        cur.execute(_INSERT_HEAD, (tree.size, root, timestamp_ms, signature, head.public_key))
        return head

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold off the group committer (for on-demand tree heads)."""
        with self._cond:
            while self._leading:
                self._cond.wait()
            self._leading = True
        try:
            yield
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()

    def sign_head(self) -> TreeHead:
        """Sign a tree head for the log as it is now (on demand)."""
        with self._exclusive(), self.store.transaction(lock="audit") as cur:
            if reader.log_size(reader.on_cursor(cur)) != self._tree.size:
                self._reload(reader.on_cursor(cur))
            head = self._sign(cur, self._tree)
        self._last_head = (head.size, head.timestamp_ms / 1000.0)
        return head

    # -- reading ------------------------------------------------------------------

    @property
    def size(self) -> int:
        return reader.log_size(self.store)

    def root(self, size: int | None = None) -> bytes:
        return reader.root_at(self.store, self.size if size is None else size)

    def entry(self, seq: int) -> bytes:
        return reader.entry_at(self.store, seq)

    def inclusion_proof(self, seq: int, size: int | None = None) -> reader.InclusionProof:
        return reader.inclusion_proof(self.store, seq, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> reader.ConsistencyProof:
        return reader.consistency_proof(self.store, size1, size2)

    def heads(self) -> list[TreeHead]:
        return reader.heads(self.store)

    def latest_head(self) -> TreeHead | None:
        return reader.latest_head(self.store)

    def close(self) -> None:
        """Sign a final head for anything unsigned (a clean shutdown leaves no unsigned
        tail). The store stays open unless it was opened for the log alone."""
        head = self.latest_head()
        if self.size and (head is None or head.size != self.size):
            self.sign_head()
        if self.owns_store:
            self.store.close()
