"""The incident book: incidents read page by page, their timelines, and the operator's
decision on each (confirmed as an attack, or a false positive). Component
``incidents``, table ``incident_decisions``.

Reads are indexed and bounded: a page of incidents is one query on
``response_incidents (last_at)``, a timeline one query on the finding rows' own
indexes (fingerprint, or source and time), never the whole table. The migration also
indexes the quarantine by signal (to recover a payload) and by time (its pages).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import msgspec

from immuno.core.errors import InputError
from immuno.detect.schema import migrate as migrate_detect
from immuno.response.threats import COMPONENT as RESPONSE
from immuno.response.threats import MIGRATIONS as RESPONSE_MIGRATIONS
from immuno.store.base import Store

Decision = Literal["confirmed", "false_positive"]
DECISIONS: tuple[Decision, ...] = ("confirmed", "false_positive")
MAX_PAGE = 200
MAX_OFFSET = 10_000_000

MIGRATIONS = [
    """
    CREATE TABLE incident_decisions (
        incident TEXT PRIMARY KEY,
        decision TEXT NOT NULL,
        by       TEXT NOT NULL,
        at       REAL NOT NULL,
        seq      INTEGER,
        vaccines TEXT NOT NULL,
        counted  INTEGER NOT NULL,
        note     TEXT
    );
    CREATE INDEX IF NOT EXISTS response_incidents_last ON response_incidents (last_at);
    CREATE INDEX IF NOT EXISTS detect_quarantine_signal ON detect_quarantine (signal_id);
    CREATE INDEX IF NOT EXISTS detect_quarantine_at ON detect_quarantine (at);
    """,
]


class DecisionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What an operator decided about an incident. ``vaccines`` are the ids added to
    immune memory (confirmed), ``counted`` the signals charged as false positives to
    the layers that stopped them, ``seq`` the audit entry that seals the decision."""

    incident: str
    decision: Decision
    by: str
    at: float
    seq: int | None
    vaccines: list[str]
    counted: int
    note: str | None = None


class IncidentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    key: str
    severity: str
    first_at: float
    last_at: float
    count: int
    agents: list[str]
    channels: list[str]
    layers: list[str]
    decision: DecisionRecord | None = None


class TimelineRow(msgspec.Struct, frozen=True, kw_only=True):
    at: float
    signal_id: str
    agent: str
    layer: str
    code: str
    severity: str
    score: float
    content_sha256: str


_INCIDENT_COLUMNS = (
    "i.id, i.kind, i.key, i.severity, i.first_at, i.last_at, i.count, i.agents, i.channels,"
    " i.layers, d.incident, d.decision, d.by, d.at, d.seq, d.vaccines, d.counted, d.note"
)
_JOIN = "response_incidents i LEFT JOIN incident_decisions d ON d.incident = i.id"
_TIMELINE = (
    "SELECT at, signal_id, agent, layer, code, severity, score, content_sha256"
    " FROM response_findings WHERE "
)


def _incident(row: tuple[Any, ...]) -> IncidentRow:
    decision = None
    if row[10] is not None:
        decision = DecisionRecord(
            incident=row[10],
            decision=row[11],
            by=row[12],
            at=row[13],
            seq=row[14],
            vaccines=json.loads(row[15]),
            counted=row[16],
            note=row[17],
        )
    return IncidentRow(
        id=row[0],
        kind=row[1],
        key=row[2],
        severity=row[3],
        first_at=row[4],
        last_at=row[5],
        count=row[6],
        agents=json.loads(row[7]),
        channels=json.loads(row[8]),
        layers=json.loads(row[9]),
        decision=decision,
    )


def _bounded(name: str, value: int, low: int, high: int | None = None) -> int:
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise InputError(name, f"must be {bound}, got {value}")
    return value


class IncidentBook:
    """Incidents, their timelines and the operator's decisions, in the shared store."""

    name = "incidents"

    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(RESPONSE, RESPONSE_MIGRATIONS)  # the tables the indexes go on
        migrate_detect(store)
        store.migrate("incidents", MIGRATIONS)

    # -- reading ---------------------------------------------------------------------

    def page(self, limit: int = 50, offset: int = 0) -> list[IncidentRow]:
        """Incidents, most recently seen first."""
        _bounded("limit", limit, 1, MAX_PAGE)
        _bounded("offset", offset, 0, MAX_OFFSET)
        rows = self.store.query(
            f"SELECT {_INCIDENT_COLUMNS} FROM {_JOIN} ORDER BY i.last_at DESC, i.id"
            " LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_incident(row) for row in rows]

    def count(self) -> int:
        return int(self.store.query("SELECT count(*) FROM response_incidents")[0][0])

    def get(self, ident: str) -> IncidentRow:
        rows = self.store.query(f"SELECT {_INCIDENT_COLUMNS} FROM {_JOIN} WHERE i.id = ?", (ident,))
        if not rows:
            raise InputError("incident", f"no incident {ident!r} (see `immuno incidents list`)")
        return _incident(rows[0])

    def timeline(
        self, incident: IncidentRow, limit: int = 50, offset: int = 0
    ) -> list[TimelineRow]:
        """The incident's findings in time order, one page."""
        _bounded("limit", limit, 1, 10_000)
        _bounded("offset", offset, 0, MAX_OFFSET)
        if incident.kind == "payload":
            where, params = "fingerprint = ?", (incident.key,)
        else:
            source = incident.key.rsplit("@", 1)[0] if incident.kind == "burst" else incident.key
            where = "source = ? AND at BETWEEN ? AND ?"
            params = (source, incident.first_at, incident.last_at)  # type: ignore[assignment]
        rows = self.store.query(
            _TIMELINE + where + " ORDER BY at, id LIMIT ? OFFSET ?", (*params, limit, offset)
        )
        return [
            TimelineRow(**dict(zip(TimelineRow.__struct_fields__, row, strict=True)))
            for row in rows
        ]

    # -- deciding ----------------------------------------------------------------------

    def undecided(self, ident: str) -> IncidentRow:
        """The incident, or an error when it is unknown or already decided."""
        incident = self.get(ident)
        if incident.decision is not None:
            done = incident.decision
            raise InputError(
                "incident",
                f"{ident} is already decided: {done.decision.replace('_', ' ')} by {done.by}",
            )
        return incident

    def record(self, decision: DecisionRecord) -> DecisionRecord:
        """Keep a decision; refused (naming who) when another operator decided first."""
        with self.store.transaction() as cur:
            done = cur.execute(
                "INSERT INTO incident_decisions (incident, decision, by, at, seq, vaccines,"
                " counted, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    decision.incident,
                    decision.decision,
                    decision.by,
                    decision.at,
                    decision.seq,
                    json.dumps(decision.vaccines),
                    decision.counted,
                    decision.note,
                ),
            ).rowcount
        if not done:
            self.undecided(decision.incident)  # raises, naming the decision kept
        return decision
