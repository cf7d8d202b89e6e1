"""Guarded memory: what agents remember, with provenance, quarantine and integrity.

Every write is a ``memory_write`` signal checked by the pipeline and carries its
provenance and trace. A write the verdict quarantines (by default: untrusted
provenance) waits until an operator commits it; a blocked write is kept as rejected
for the record; anything else is committed to the integrity chain. Reads return
committed records only, each checked as a ``memory_read`` signal carrying the
record's provenance (and its writer as ``peer``), so the reader is tainted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from immuno.core.action import Action
from immuno.core.errors import Blocked, InputError
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.memory import chain
from immuno.memory.schema import COMPONENT, MIGRATIONS

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

_RECORD_COLUMNS = (
    "id, namespace, key, kind, value, provenance, agent, trace, at, status, decided_by"
)


class Record(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    namespace: str
    key: str
    kind: str  # kv | text
    value: str
    provenance: Provenance
    agent: str  # who wrote it
    trace: str | None
    at: float
    status: str  # pending | committed | rejected
    decided_by: str | None = None


class Written(msgspec.Struct, frozen=True):
    record: Record
    verdict: Verdict


class GuardedMemory:
    """The memory API agents use. ``namespace`` defaults to the agent's own name."""

    def __init__(self, immune: Immune, *, check: Callable[[Signal], Verdict] | None = None) -> None:
        self.immune = immune
        # The seam every write and read is decided through (default: the pipeline).
        self.check = check if check is not None else immune.check
        self.store = immune.store
        self.store.migrate(COMPONENT, MIGRATIONS)
        self._quarantine = frozenset(immune.config.memory.quarantine)

    # -- writes ------------------------------------------------------------------------

    def put(
        self,
        agent: str,
        key: str,
        value: str,
        *,
        provenance: Provenance,
        trace: str | None = None,
        namespace: str | None = None,
    ) -> Written:
        if not key:
            raise InputError("key", "must not be empty")
        return self._write(agent, namespace or agent, key, "kv", value, provenance, trace)

    def note(
        self,
        agent: str,
        text: str,
        *,
        provenance: Provenance,
        trace: str | None = None,
        namespace: str | None = None,
    ) -> Written:
        """Remember a free-text record (its key is generated)."""
        key = f"note-{uuid.uuid4().hex[:12]}"
        return self._write(agent, namespace or agent, key, "text", text, provenance, trace)

    def _write(
        self,
        agent: str,
        namespace: str,
        key: str,
        kind: str,
        value: str,
        provenance: Provenance,
        trace: str | None,
    ) -> Written:
        signal = Signal(
            kind=SignalKind.MEMORY_WRITE,
            agent=agent,
            content=value,
            args={"namespace": namespace, "key": key},
            provenance=provenance,
            trace=trace,
            tool="memory.write",
        )
        verdict = self.check(signal)
        if verdict.action is Action.BLOCK:
            status = "rejected"
        elif verdict.action.stops or provenance.value in self._quarantine:
            status = "pending"  # fail closed even if no layer said quarantine
        else:
            status = "committed"
        now = self.immune.clock()
        with self.store.transaction(lock="memory") as cur:
            (record_id,) = cur.execute(
                "INSERT INTO memory_records (namespace, key, kind, value, provenance, agent,"
                " trace, at, status, decided_by, signal_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                " RETURNING id",
                (
                    namespace,
                    key,
                    kind,
                    value,
                    provenance.value,
                    agent,
                    trace,
                    now,
                    status,
                    "policy" if status != "pending" else None,
                    signal.id,
                ),
            ).fetchone()
            if status == "committed":
                self._append(
                    cur,
                    record_id,
                    namespace,
                    key,
                    kind,
                    "put",
                    value,
                    provenance.value,
                    agent,
                    trace,
                    now,
                )
        return Written(self._record(record_id), verdict)

    @staticmethod
    def _append(cur: Any, *fields: Any) -> int:
        return chain.append(cur, fields)

    def commit(self, record_id: int, by: str) -> Record:
        """An operator commits a quarantined write to memory."""
        record = self._pending(record_id)
        now = self.immune.clock()
        with self.store.transaction(lock="memory") as cur:
            cur.execute(
                "UPDATE memory_records SET status = 'committed', decided_by = ? WHERE id = ?",
                (by, record_id),
            )
            self._append(
                cur,
                record.id,
                record.namespace,
                record.key,
                record.kind,
                "put",
                record.value,
                record.provenance.value,
                record.agent,
                record.trace,
                now,
            )
        return self._record(record_id)

    def reject(self, record_id: int, by: str) -> Record:
        self._pending(record_id)
        with self.store.transaction() as cur:
            cur.execute(
                "UPDATE memory_records SET status = 'rejected', decided_by = ? WHERE id = ?",
                (by, record_id),
            )
        return self._record(record_id)

    def _pending(self, record_id: int) -> Record:
        record = self._record(record_id)
        if record.status != "pending":
            raise InputError("record", f"record {record_id} is {record.status}, not pending")
        return record

    def _record(self, record_id: int) -> Record:
        rows = self.store.query(
            f"SELECT {_RECORD_COLUMNS} FROM memory_records WHERE id = ?", (record_id,)
        )
        if not rows:
            raise InputError("record", f"no memory record {record_id}")
        return _to_record(rows[0])

    def pending(self, namespace: str | None = None) -> list[Record]:
        sql = f"SELECT {_RECORD_COLUMNS} FROM memory_records WHERE status = 'pending'"
        params: tuple[str, ...] = ()
        if namespace is not None:
            sql, params = sql + " AND namespace = ?", (namespace,)
        return [_to_record(row) for row in self.store.query(sql + " ORDER BY id", params)]

    # -- reads -------------------------------------------------------------------------

    def current(self, namespace: str) -> list[Record]:
        """The committed state of a namespace (no check: for operators and snapshots)."""
        rows = self.store.query(
            "SELECT c.record_id, c.namespace, c.key, c.kind, c.value, c.provenance, c.agent,"
            " c.trace, c.at, 'committed', NULL FROM memory_chain c JOIN"
            " (SELECT key, MAX(seq) AS last FROM memory_chain WHERE namespace = ?"
            "  GROUP BY key) l ON c.seq = l.last WHERE c.op = 'put' ORDER BY c.key",
            (namespace,),
        )
        return [_to_record(row) for row in rows]

    def get(
        self, agent: str, key: str, *, namespace: str | None = None, trace: str | None = None
    ) -> Record | None:
        """The committed value of ``key``; raises Blocked when the read is refused."""
        found = [r for r in self.current(namespace or agent) if r.key == key]
        if not found:
            return None
        return self._checked_read(agent, found[0], trace)

    def notes(
        self, agent: str, *, namespace: str | None = None, trace: str | None = None
    ) -> list[Record]:
        records = [r for r in self.current(namespace or agent) if r.kind == "text"]
        return [self._checked_read(agent, record, trace) for record in records]

    def _checked_read(self, agent: str, record: Record, trace: str | None) -> Record:
        verdict = self.check(
            Signal(
                kind=SignalKind.MEMORY_READ,
                agent=agent,
                peer=record.agent,
                content=record.value,
                provenance=record.provenance,
                trace=trace,
                tool="memory.read",
                args={"namespace": record.namespace, "key": record.key, "record": record.id},
            )
        )
        if not verdict.allowed:  # stopped, or only a sanitised rest may go on: refuse
            raise Blocked(verdict)
        return record

    # -- integrity and restore ---------------------------------------------------------

    def verify(self) -> int:
        """Recompute the integrity chain; raise ``MemoryTampered`` if a row was edited."""
        return chain.verify(self.store)

    def restore(self, namespace: str, records: list[Record], by: str) -> None:
        """Make ``namespace``'s committed state exactly ``records`` (appending to the chain)."""
        wanted = {r.key: r for r in records}
        now = self.immune.clock()
        with self.store.transaction(lock="memory") as cur:
            for record in self.current(namespace):
                if record.key not in wanted:
                    self._append(
                        cur,
                        record.id,
                        namespace,
                        record.key,
                        record.kind,
                        "delete",
                        "",
                        record.provenance.value,
                        by,
                        None,
                        now,
                    )
            for r in records:
                self._append(
                    cur,
                    r.id,
                    namespace,
                    r.key,
                    r.kind,
                    "put",
                    r.value,
                    r.provenance.value,
                    r.agent,
                    r.trace,
                    r.at,
                )


def _to_record(row: tuple[Any, ...]) -> Record:
    ident, namespace, key, kind, value, provenance, agent, trace, at, status, by = row
    return Record(
        id=ident,
        namespace=namespace,
        key=key,
        kind=kind,
        value=value,
        provenance=Provenance(provenance),
        agent=agent,
        trace=trace,
        at=at,
        status=status,
        decided_by=by,
    )
