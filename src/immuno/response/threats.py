"""The threat store: findings, incidents, timelines and agent health, in the store.

A finding row carries its signal's hashes (exact SHA-256 and payload fingerprint)
and context (agent, peer, actor, source, kind, trace, time). An incident's timeline
is read back from these rows (same fingerprint, same source, or the source within
the burst), so correlation costs no extra row per signal. Payload incidents are
persisted once they are seen twice; a single sighting lives in its finding row.

Writes are buffered (write-behind) and flushed in one transaction, checked after each
signal: when ``flush_every`` signals with findings are waiting, or one second of clock
time has passed since the last write; synchronously at every ladder transition,
exposure or release (before the verdict that reports it is returned); and on
``flush()``, ``close()`` and interpreter exit. A crash loses at most the buffered
findings and point updates (up to ``flush_every`` signals, or those since the last
write when traffic paused), never a transition.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from immuno.core.finding import Severity
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.response.attribution import source_of
from immuno.response.correlate import Incident
from immuno.response.fingerprint import content_hash, fingerprint
from immuno.response.ladder import AgentState, Health, Transition
from immuno.store.base import Row, Store
from immuno.store.sql import upsert

COMPONENT = "response"
MIGRATIONS = [
    """
    CREATE TABLE response_findings (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL, signal_id TEXT NOT NULL, kind TEXT NOT NULL,
        agent TEXT NOT NULL, peer TEXT, actor TEXT, source TEXT NOT NULL, trace TEXT,
        content_sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL,
        layer TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
        score REAL NOT NULL, action TEXT
    );
    CREATE INDEX response_findings_fp ON response_findings (fingerprint);
    CREATE INDEX response_findings_source ON response_findings (source, at);
    CREATE TABLE response_incidents (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
        severity TEXT NOT NULL, first_at REAL NOT NULL, last_at REAL NOT NULL,
        count INTEGER NOT NULL, agents TEXT NOT NULL, channels TEXT NOT NULL,
        layers TEXT NOT NULL
    );
    CREATE TABLE response_health (
        agent TEXT PRIMARY KEY, health TEXT NOT NULL, points REAL NOT NULL,
        updated REAL NOT NULL, since REAL NOT NULL, reason TEXT NOT NULL,
        exposed_by TEXT, hops INTEGER NOT NULL, dirty INTEGER NOT NULL
    );
    CREATE TABLE response_transitions (
        id INTEGER PRIMARY KEY, at REAL NOT NULL, agent TEXT NOT NULL,
        before TEXT NOT NULL, after TEXT NOT NULL, points REAL NOT NULL, reason TEXT NOT NULL
    );
    CREATE TABLE response_suspects (
        fingerprint TEXT PRIMARY KEY, origin TEXT NOT NULL, at REAL NOT NULL
    );
    CREATE TABLE response_network (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE response_snapshots (
        id TEXT PRIMARY KEY, agent TEXT NOT NULL, at REAL NOT NULL, label TEXT NOT NULL,
        body BLOB NOT NULL, sha256 TEXT NOT NULL
    );
    """,
]

RESTORED = "restored from snapshot"
_MARK = "SELECT COALESCE(MAX(id), 0) FROM response_transitions"
_SAVE_INCIDENT = upsert(
    "response_incidents",
    (
        "id",
        "kind",
        "key",
        "severity",
        "first_at",
        "last_at",
        "count",
        "agents",
        "channels",
        "layers",
    ),
    ("id",),
)
_SAVE_HEALTH = upsert(
    "response_health",
    ("agent", "health", "points", "updated", "since", "reason", "exposed_by", "hops", "dirty"),
    ("agent",),
)
_SAVE_SUSPECT = upsert("response_suspects", ("fingerprint", "origin", "at"), ("fingerprint",))
_SAVE_NETWORK = upsert("response_network", ("key", "value"), ("key",))
FindingRow = tuple[Any, ...]
Evidence = tuple[float, Signal, Verdict, str, str | None, list[Incident]]


class ThreatStore:
    """Buffered writer and loader for the response tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(COMPONENT, MIGRATIONS)
        # (at, signal, verdict, fingerprint, actor, incidents) of each signal with findings
        self.evidence: list[Evidence] = []
        self.transitions: list[Transition] = []
        self.incidents: dict[str, Incident] = {}
        self.states: dict[str, AgentState] = {}
        self.suspects: dict[str, tuple[str, float] | None] = {}  # None: delete
        self.network: dict[str, str] = {}

    @property
    def buffered(self) -> bool:
        return bool(
            self.evidence
            or self.transitions
            or self.incidents
            or self.states
            or self.suspects
            or self.network
        )

    @property
    def pending(self) -> int:
        return len(self.evidence)

    def _rows(self) -> list[FindingRow]:
        rows: list[FindingRow] = []
        for at, signal, verdict, fp, actor, incidents in self.evidence:
            text = signal.text()
            sha = content_hash(text)
            fp = fp or fingerprint(text)  # inspect skips it when nothing was hostile
            source = source_of(signal, actor)
            for f in verdict.findings:
                rows.append(
                    (
                        at,
                        signal.id,
                        signal.kind,
                        signal.agent,
                        signal.peer,
                        actor,
                        source,
                        signal.trace,
                        sha,
                        fp,
                        f.layer,
                        f.code,
                        f.severity,
                        f.score,
                        f.action,
                    )
                )
            for incident in incidents:
                if incident.count > 1 or incident.kind != "payload":
                    self.incidents[incident.id] = incident
        return rows

    def flush(self, seen: int) -> tuple[list[Row], int]:
        """Write everything buffered; return the ladder moves other processes recorded
        since transition ``seen`` (theirs, operators' releases and restores) and the
        network row, and the new mark."""
        if not (
            self.evidence
            or self.transitions
            or self.incidents
            or self.states
            or self.suspects
            or self.network
        ):
            return self._operator(self.store.query, seen)  # nothing to write: read only
        findings = self._rows()
        with self.store.transaction() as cur:
            operator, _ = self._operator(lambda sql, p: cur.execute(sql, p).fetchall(), seen)
            cur.executemany(
                "INSERT INTO response_findings (at, signal_id, kind, agent, peer, actor, source,"
                " trace, content_sha256, fingerprint, layer, code, severity, score, action)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                findings,
            )
            cur.executemany(
                "INSERT INTO response_transitions (at, agent, before, after, points, reason)"
                " VALUES (?,?,?,?,?,?)",
                [(t.at, t.agent, t.before, t.after, t.points, t.reason) for t in self.transitions],
            )
            cur.executemany(
                _SAVE_INCIDENT,
                [_incident_row(i) for i in self.incidents.values()],
            )
            cur.executemany(
                _SAVE_HEALTH,
                [_state_row(s) for s in self.states.values()],
            )
            for fp, entry in self.suspects.items():
                if entry is None:
                    cur.execute("DELETE FROM response_suspects WHERE fingerprint = ?", (fp,))
                else:
                    cur.execute(_SAVE_SUSPECT, (fp, *entry))
            cur.executemany(_SAVE_NETWORK, self.network.items())
            seen = cur.execute(_MARK).fetchone()[0]
        self.evidence.clear()
        self.transitions.clear()
        self.incidents.clear()
        self.states.clear()
        self.suspects.clear()
        self.network.clear()
        return operator, seen

    @staticmethod
    def _operator(
        read: Callable[[str, tuple[Any, ...]], list[Any]], seen: int
    ) -> tuple[list[Row], int]:
        rows: list[Row] = read(
            "SELECT agent, after, points, reason, at FROM response_transitions"
            " WHERE id > ? ORDER BY id",
            (seen,),
        )
        lockdown = read("SELECT value FROM response_network WHERE key = 'lockdown'", ())
        if lockdown:
            rows.append(("", "lockdown", 0.0, lockdown[0][0], 0.0))
        return rows, int(read(_MARK, ())[0][0])

    def mark(self) -> int:
        """The last transition id now in the store."""
        return int(self.store.query(_MARK)[0][0])

    # -- loading ---------------------------------------------------------------------

    def load_states(self) -> Iterable[AgentState]:
        for row in self.store.query("SELECT * FROM response_health"):
            agent, health, points, updated, since, reason, exposed_by, hops, dirty = row
            yield AgentState(
                agent=agent,
                health=Health(health),
                points=points,
                updated=updated,
                since=since,
                reason=reason,
                exposed_by=exposed_by,
                hops=hops,
                dirty_since_exposure=bool(dirty),
            )

    def load_suspects(self) -> dict[str, str]:
        return {
            fp: origin
            for fp, origin in self.store.query("SELECT fingerprint, origin FROM response_suspects")
        }

    def load_network(self) -> dict[str, str]:
        return dict(self.store.query("SELECT key, value FROM response_network"))

    def incidents_rows(self, limit: int = 50) -> list[Row]:
        return self.store.query(
            "SELECT id, kind, key, severity, first_at, last_at, count, agents FROM"
            " response_incidents ORDER BY last_at DESC LIMIT ?",
            (limit,),
        )

    def timeline_of(self, incident: str) -> list[Row]:
        """(at, signal_id, agent, code, severity) of every finding of the incident."""
        found = self.store.query(
            "SELECT kind, key, first_at, last_at FROM response_incidents WHERE id = ?", (incident,)
        )
        if not found:
            return []
        kind, key, first_at, last_at = found[0]
        select = "SELECT at, signal_id, agent, code, severity FROM response_findings WHERE "
        if kind == "payload":
            return self.store.query(select + "fingerprint = ? ORDER BY at, id", (key,))
        source = key.rsplit("@", 1)[0] if kind == "burst" else key
        return self.store.query(
            select + "source = ? AND at BETWEEN ? AND ? ORDER BY at, id",
            (source, first_at, last_at),
        )


def _json(items: list[str]) -> str:
    return msgspec.json.encode(items).decode()


def _incident_row(i: Incident) -> tuple[Any, ...]:
    return (
        i.id,
        i.kind,
        i.key,
        i.severity.value,
        i.first_at,
        i.last_at,
        i.count,
        _json(sorted(i.agents)),
        _json(sorted(i.channels)),
        _json(sorted(i.layers)),
    )


def _state_row(s: AgentState) -> tuple[Any, ...]:
    return (
        s.agent,
        s.health.value,
        s.points,
        s.updated,
        s.since,
        s.reason,
        s.exposed_by,
        s.hops,
        int(s.dirty_since_exposure),
    )


def load_incidents(store: Store, limit: int) -> list[Incident]:
    """The most recent incidents, oldest first, to resume correlation after a restart."""
    rows = store.query("SELECT * FROM response_incidents ORDER BY last_at DESC LIMIT ?", (limit,))
    incidents = []
    for ident, kind, key, severity, first_at, last_at, count, agents, channels, layers in rows:
        incident = Incident(
            kind,
            key,
            Severity(severity),
            first_at,
            last_at,
            count,
            set(json.loads(agents)),
            set(json.loads(channels)),
            set(json.loads(layers)),
            _id=ident,
        )
        incident.escalated = incident.spread()
        incidents.append(incident)
    return incidents[::-1]
