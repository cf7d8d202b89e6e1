"""Correlation: findings that are the same attack become one incident.

Three shapes of "the same attack":

* ``payload``: one payload fingerprint seen from several agents or channels (a worm,
  a poisoned document read by many);
* ``source``: one source flagged by several layers (policy and detect agree);
* ``burst``: many findings from one agent in a short window.

An incident has a severity (the worst finding, raised one step once it spans agents,
channels or layers) and a timeline (persisted by the threat store).
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field

from immuno.core.finding import Severity

_SEVERITIES = list(Severity)
RANK = {severity: rank for rank, severity in enumerate(_SEVERITIES)}  # faster than .rank
MAX_INCIDENTS = 10_000  # in memory; older ones live on in the store


def incident_id(kind: str, key: str) -> str:
    return "inc-" + hashlib.sha256(f"{kind}\x00{key}".encode()).hexdigest()[:16]


@dataclass(slots=True)
class Incident:
    kind: str  # payload | source | burst
    key: str
    severity: Severity
    first_at: float
    last_at: float
    count: int = 0
    agents: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    layers: set[str] = field(default_factory=set)
    escalated: bool = False  # raised a step once it spread
    _id: str = ""

    @property
    def id(self) -> str:
        """Stable across restarts; computed only when someone needs it."""
        if not self._id:
            self._id = incident_id(self.kind, self.key)
        return self._id

    def spread(self) -> bool:
        if self.kind == "payload":
            return len(self.agents) > 1 or len(self.channels) > 1
        if self.kind == "source":
            return len(self.layers) > 1
        return True  # a burst is itself the correlation


@dataclass(slots=True)
class Sighting:
    """One signal's hostile findings, as correlation sees them."""

    at: float
    source: str
    agent: str
    channel: str
    fingerprint: str
    severity: Severity
    layers: list[str]


class Correlator:
    def __init__(self, burst: int, burst_window: float) -> None:
        self.burst = burst
        self.burst_window = burst_window
        # Insertion-ordered: the oldest incidents are forgotten first (they stay in the store).
        self.incidents: dict[tuple[str, str], Incident] = {}
        self._times: dict[str, deque[float]] = {}

    def add(self, incident: Incident) -> None:
        """Resume an incident loaded from the store."""
        self.incidents[(incident.kind, incident.key)] = incident

    def observe(self, s: Sighting) -> tuple[list[Incident], int]:
        """The incidents ``s`` belongs to, and how many of them newly spread (bonus)."""
        touched = [
            self._touch("payload", s.fingerprint, s),
            self._touch("source", s.source, s),
        ]
        times = self._times.setdefault(s.source, deque())
        times.append(s.at)
        while times and s.at - times[0] > self.burst_window:
            times.popleft()
        if len(times) >= self.burst:
            window = int(times[0] // self.burst_window)
            touched.append(self._touch("burst", f"{s.source}@{window}", s))
        bonus = 0
        for incident in touched:
            if not incident.escalated and incident.spread():
                incident.escalated = True
                rank = min(RANK[incident.severity] + 1, len(_SEVERITIES) - 1)
                incident.severity = _SEVERITIES[rank]
                bonus += 1
        return touched, bonus

    def _touch(self, kind: str, key: str, s: Sighting) -> Incident:
        ident = (kind, key)
        incident = self.incidents.get(ident)
        if incident is None:
            incident = Incident(kind, key, s.severity, s.at, s.at)
            self.incidents[ident] = incident
            if len(self.incidents) > MAX_INCIDENTS:
                del self.incidents[next(iter(self.incidents))]
        elif RANK[s.severity] > RANK[incident.severity]:
            incident.severity = s.severity
        incident.last_at = s.at
        incident.count += 1
        incident.agents.add(s.agent)
        incident.channels.add(s.channel)
        incident.layers.update(s.layers)
        return incident
