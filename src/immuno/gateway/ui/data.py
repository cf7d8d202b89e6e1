"""What the dashboard reads: one page of rows at a time, through indexed queries.

Per-layer rates aggregate tables: they are computed at most once every ``RATES_TTL``
seconds per worker and shared by every page view in between, and the largest table
(the threat store's finding rows) is read once per worker in the background, then
only its new rows (:mod:`immuno.gateway.ui.counts`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import msgspec

from immuno.core.pipeline import Immune
from immuno.detect.quarantine import Held
from immuno.detect.schema import migrate as migrate_detect
from immuno.gateway.ui.counts import SignalCounts
from immuno.policy.approvals import Approval, Approvals
from immuno.response.incidents import IncidentBook
from immuno.response.outcomes import SCHEMA as OUTCOMES_SCHEMA
from immuno.response.threats import COMPONENT as RESPONSE
from immuno.response.threats import MIGRATIONS as RESPONSE_MIGRATIONS

RATES_TTL = 5.0
FIRST_COUNT_WAIT = 0.15  # seconds a page waits for a worker's first count of findings
_RUNG = (
    "CASE health WHEN 'locked' THEN 0 WHEN 'quarantined' THEN 1 WHEN 'throttled' THEN 2"
    " WHEN 'watched' THEN 3 ELSE 4 END"
)
HEALTH_ORDER = ("locked", "quarantined", "throttled", "watched", "healthy")


@dataclass(frozen=True)
class AgentRow:
    agent: str
    health: str
    points: float
    since: float
    reason: str
    exposed_by: str | None


@dataclass(frozen=True)
class Rate:
    layer: str
    stopped: int
    flagged: int | None  # signals with a finding of the layer it did not stop (None: counting)
    false_positives: int

    @property
    def autoimmunity(self) -> float:
        return self.false_positives / self.stopped if self.stopped else 0.0


class Reader:
    """The dashboard's queries over one gateway's store."""

    def __init__(self, immune: Immune) -> None:
        self.immune = immune
        store = immune.store
        store.migrate(RESPONSE, RESPONSE_MIGRATIONS)
        store.migrate("outcomes", OUTCOMES_SCHEMA)
        migrate_detect(store)
        Approvals(store, immune.clock)  # its tables
        IncidentBook(store)  # its tables and the indexes the pages read through
        self._rates: tuple[float, list[Rate]] | None = None
        self._lock = threading.Lock()
        self.counts = SignalCounts(store)

    @property
    def store(self) -> Any:
        return self.immune.store

    # -- agents ------------------------------------------------------------------------

    def agents(self, limit: int, offset: int) -> list[AgentRow]:
        rows = self.store.query(
            "SELECT agent, health, points, since, reason, exposed_by FROM response_health"
            f" ORDER BY {_RUNG}, agent LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [AgentRow(*row) for row in rows]

    def ladder(self) -> dict[str, int]:
        counted = dict(
            self.store.query("SELECT health, count(*) FROM response_health GROUP BY health")
        )
        return {rung: int(counted.get(rung, 0)) for rung in HEALTH_ORDER}

    def lockdown(self) -> str | None:
        rows = self.store.query("SELECT value FROM response_network WHERE key = 'lockdown'")
        return str(rows[0][0]) if rows and rows[0][0] else None

    # -- rates ---------------------------------------------------------------------------

    def rates(self) -> list[Rate]:
        now = time.monotonic()
        with self._lock:
            if self._rates is not None and now - self._rates[0] < RATES_TTL:
                return self._rates[1]
            rates = self._compute()
            if self.counts.ready:  # a partial answer is not kept
                self._rates = (now, rates)
            return rates

    def _compute(self) -> list[Rate]:
        stopped = dict(
            self.store.query("SELECT layer, count(*) FROM outcomes_stopped GROUP BY layer")
        )
        wrong = dict(
            self.store.query(
                "SELECT layer, count(*) FROM outcomes_operator WHERE kind = 'false_positive'"
                " GROUP BY layer"
            )
        )
        seen = self.counts.current(FIRST_COUNT_WAIT)
        layers = sorted(stopped.keys() | wrong.keys() | (seen or {}).keys())
        rates = [
            Rate(
                layer=str(layer),
                stopped=int(stopped.get(layer, 0)),
                flagged=None
                if seen is None
                else max(0, seen.get(str(layer), 0) - int(stopped.get(layer, 0))),
                false_positives=int(wrong.get(layer, 0)),
            )
            for layer in layers
        ]
        return rates

    # -- queues --------------------------------------------------------------------------

    def quarantine(self, status: str | None, limit: int, offset: int) -> list[Held]:
        where = "WHERE status = ?" if status else ""
        params: tuple[Any, ...] = (status, limit, offset) if status else (limit, offset)
        rows = self.store.query(
            "SELECT id, signal_id, agent, kind, action, score, reasons, content, at, status"
            f" FROM detect_quarantine {where} ORDER BY at DESC, id LIMIT ? OFFSET ?",
            params,
        )
        return [
            Held(
                id=row[0],
                signal_id=row[1],
                agent=row[2],
                kind=row[3],
                action=row[4],
                score=row[5],
                reasons=msgspec.json.decode(row[6]),
                content=row[7],
                at=row[8],
                status=row[9],
            )
            for row in rows
        ]

    def approvals(self, status: str, limit: int, offset: int) -> list[Approval]:
        rows = self.store.query(
            "SELECT id, created, agent, tool, args, trace, reason, status, decided_at,"
            " decided_by, note FROM policy_approvals WHERE status = ?"
            " ORDER BY created DESC LIMIT ? OFFSET ?",
            (status, limit, offset),
        )
        return [Approval(*row) for row in rows]

    def held_content(self, signal_ids: list[str]) -> dict[str, str]:
        """Quarantined text of these signals (indexed on the signal id)."""
        if not signal_ids:
            return {}
        marks = ", ".join("?" * len(signal_ids))
        rows = self.store.query(
            f"SELECT signal_id, content FROM detect_quarantine WHERE signal_id IN ({marks})",
            signal_ids,
        )
        return {str(s): str(c) for s, c in rows}
