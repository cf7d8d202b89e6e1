"""The threat store: findings, incidents, timelines and agent health, in the store.

Writes are buffered (write-behind) and flushed in one transaction: when the buffer
holds ``flush_every`` rows, when a second of clock time has passed since the last
flush, at every ladder transition, exposure or release (synchronously, before the
verdict that reports it is returned), and on ``flush()`` / ``close()``. A crash can
lose at most the findings and point updates of that last second, never a transition.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from immuno.core.finding import Severity
from immuno.response.correlate import Incident
from immuno.response.ladder import AgentState, Health, Transition
from immuno.store.base import Row, Store

COMPONENT = "response"
MIGRATIONS = [
    """
    CREATE TABLE response_findings (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL, signal_id TEXT NOT NULL, kind TEXT NOT NULL,
        agent TEXT NOT NULL, peer TEXT, actor TEXT, trace TEXT,
        content_sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL,
        layer TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
        score REAL NOT NULL, action TEXT
    );
    CREATE INDEX response_findings_fp ON response_findings (fingerprint);
    CREATE INDEX response_findings_actor ON response_findings (actor, at);
    CREATE TABLE response_incidents (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
        severity TEXT NOT NULL, first_at REAL NOT NULL, last_at REAL NOT NULL,
        count INTEGER NOT NULL, agents TEXT NOT NULL, channels TEXT NOT NULL,
        layers TEXT NOT NULL
    );
    CREATE TABLE response_timeline (
        incident TEXT NOT NULL, at REAL NOT NULL, signal_id TEXT NOT NULL,
        agent TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL
    );
    CREATE INDEX response_timeline_incident ON response_timeline (incident, at);
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

FindingRow = tuple[Any, ...]
TimelineRow = tuple[str, float, str, str, str, str]


class ThreatStore:
    """Buffered writer and loader for the response tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(COMPONENT, MIGRATIONS)
        self.findings: list[FindingRow] = []
        self.timeline: list[TimelineRow] = []
        self.transitions: list[Transition] = []
        self.incidents: dict[str, Incident] = {}
        self.states: dict[str, AgentState] = {}
        self.suspects: dict[str, tuple[str, float] | None] = {}  # None: delete
        self.network: dict[str, str] = {}

    @property
    def pending(self) -> int:
        return len(self.findings) + len(self.timeline)

    def flush(self) -> None:
        if not (
            self.findings
            or self.timeline
            or self.transitions
            or self.incidents
            or self.states
            or self.suspects
            or self.network
        ):
            return
        with self.store.transaction() as cur:
            cur.executemany(
                "INSERT INTO response_findings (at, signal_id, kind, agent, peer, actor, trace,"
                " content_sha256, fingerprint, layer, code, severity, score, action)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                self.findings,
            )
            cur.executemany("INSERT INTO response_timeline VALUES (?,?,?,?,?,?)", self.timeline)
            cur.executemany(
                "INSERT INTO response_transitions (at, agent, before, after, points, reason)"
                " VALUES (?,?,?,?,?,?)",
                [(t.at, t.agent, t.before, t.after, t.points, t.reason) for t in self.transitions],
            )
            cur.executemany(
                "INSERT OR REPLACE INTO response_incidents VALUES (?,?,?,?,?,?,?,?,?,?)",
                [_incident_row(i) for i in self.incidents.values()],
            )
            cur.executemany(
                "INSERT OR REPLACE INTO response_health VALUES (?,?,?,?,?,?,?,?,?)",
                [_state_row(s) for s in self.states.values()],
            )
            for fp, entry in self.suspects.items():
                if entry is None:
                    cur.execute("DELETE FROM response_suspects WHERE fingerprint = ?", (fp,))
                else:
                    cur.execute(
                        "INSERT OR REPLACE INTO response_suspects VALUES (?,?,?)", (fp, *entry)
                    )
            cur.executemany(
                "INSERT OR REPLACE INTO response_network VALUES (?,?)", self.network.items()
            )
        self.findings.clear()
        self.timeline.clear()
        self.transitions.clear()
        self.incidents.clear()
        self.states.clear()
        self.suspects.clear()
        self.network.clear()

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
        return self.store.query(
            "SELECT at, signal_id, agent, code, severity FROM response_timeline"
            " WHERE incident = ? ORDER BY at",
            (incident,),
        )


def _incident_row(i: Incident) -> tuple[Any, ...]:
    return (
        i.id,
        i.kind,
        i.key,
        i.severity.value,
        i.first_at,
        i.last_at,
        i.count,
        json.dumps(sorted(i.agents)),
        json.dumps(sorted(i.channels)),
        json.dumps(sorted(i.layers)),
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
            ident,
            kind,
            key,
            Severity(severity),
            first_at,
            last_at,
            count,
            set(json.loads(agents)),
            set(json.loads(channels)),
            set(json.loads(layers)),
        )
        incident.escalated = incident.spread()
        incidents.append(incident)
    return incidents[::-1]
