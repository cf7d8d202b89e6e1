"""Quarantine of content: what detect flagged or stopped, kept with its reasons.

Stopped content is ``held`` until an operator releases or purges it; flagged content,
which was delivered, is recorded as ``flagged`` so nothing passes silently.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from immuno.core.action import Action
from immuno.core.errors import InputError
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.detect.schema import migrate
from immuno.store.base import Store
from immuno.store.sql import upsert

STATUSES = ("held", "flagged", "released")


class Held(msgspec.Struct, frozen=True):
    id: str
    signal_id: str
    agent: str
    kind: str
    action: str
    score: float
    reasons: list[str]
    content: str
    at: float
    status: str


_COLUMNS = "id, signal_id, agent, kind, action, score, reasons, content, at, status"
_HOLD = upsert("detect_quarantine", _COLUMNS.split(", "), ("id",))


def _held(row: tuple[Any, ...]) -> Held:
    values = list(row)
    values[6] = msgspec.json.decode(values[6])
    return Held(*values)


class Quarantine:
    def __init__(self, store: Store) -> None:
        self.store = store
        migrate(store)

    def hold(self, signal: Signal, verdict: Verdict) -> str:
        status = "held" if verdict.action.stops else "flagged"
        ident = "q_" + hashlib.sha256(signal.id.encode()).hexdigest()[:16]
        reasons = [f"{f.layer}/{f.code}: {f.message}" for f in verdict.findings if f.score > 0]
        with self.store.transaction() as cur:
            cur.execute(
                _HOLD,
                (
                    ident,
                    signal.id,
                    signal.agent,
                    str(signal.kind),
                    verdict.action.value,
                    verdict.score,
                    msgspec.json.encode(reasons).decode(),
                    signal.text(),
                    signal.at,
                    status,
                ),
            )
        return ident

    def list(self, status: str | None = None, limit: int = 100) -> list[Held]:
        if status is not None and status not in STATUSES:
            raise InputError("--status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
        where = "WHERE status = ?" if status else ""
        params: tuple[Any, ...] = (status, limit) if status else (limit,)
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM detect_quarantine {where} ORDER BY at DESC, id LIMIT ?",
            params,
        )
        return [_held(row) for row in rows]

    def get(self, ident: str) -> Held:
        rows = self.store.query(f"SELECT {_COLUMNS} FROM detect_quarantine WHERE id = ?", (ident,))
        if not rows:
            raise InputError("id", f"no quarantined content with id {ident!r}")
        return _held(rows[0])

    def release(self, ident: str) -> Held:
        """Mark content as released by an operator and return it for delivery."""
        held = self.get(ident)
        with self.store.transaction() as cur:
            cur.execute("UPDATE detect_quarantine SET status = 'released' WHERE id = ?", (ident,))
        return msgspec.structs.replace(held, status="released")

    def purge(self, ident: str | None = None, *, before: float | None = None) -> int:
        """Delete one item, or every item older than ``before``; returns how many."""
        if ident is None and before is None:
            raise InputError("purge", "name an id or --before; refusing to purge everything")
        with self.store.transaction() as cur:
            if ident is not None:
                done = cur.execute("DELETE FROM detect_quarantine WHERE id = ?", (ident,))
            else:
                done = cur.execute("DELETE FROM detect_quarantine WHERE at < ?", (before,))
            return int(done.rowcount)


def should_hold(signal: Signal, verdict: Verdict) -> bool:
    """Every flagged or stopped signal that carries content is kept."""
    return verdict.action is not Action.ALLOW and bool(signal.content or signal.args)
