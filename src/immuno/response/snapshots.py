"""Snapshots of an agent: its committed memory, its health and its key version.

A snapshot is canonical JSON with its SHA-256 stored beside it; restore refuses a
snapshot whose body no longer matches. Restoring puts the agent's memory back
exactly (new chain entries, history kept) and its health as it was. The key
version is an opaque value the caller supplies (the identity layer owns keys); it
is returned on restore so the caller can roll keys back or forward.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

import msgspec

from immuno.core.errors import ConfigError, InputError, StoreError
from immuno.memory import GuardedMemory, Record
from immuno.response.engine import ResponseEngine
from immuno.response.ladder import AgentState, Health

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune


class HealthRecord(msgspec.Struct, frozen=True):
    health: Health
    points: float
    exposed_by: str | None
    hops: int


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    agent: str
    at: float
    label: str
    key_version: str | None
    health: HealthRecord
    memory: list[Record]


def _engine(immune: Immune) -> ResponseEngine:
    try:
        engine = immune.layer("response")
    except KeyError:
        raise ConfigError("response.enabled", "snapshots need the response layer") from None
    if not isinstance(engine, ResponseEngine):
        raise ConfigError("response", "the component named 'response' is not the engine")
    return engine


def snapshot(
    immune: Immune, agent: str, *, key_version: str | None = None, label: str = ""
) -> Snapshot:
    engine = _engine(immune)
    engine.open()
    engine.flush()
    state = engine.states.get(agent) or AgentState(agent)
    points = engine.ladder.decayed(state, immune.clock())
    snap = Snapshot(
        id=uuid.uuid4().hex[:16],
        agent=agent,
        at=immune.clock(),
        label=label,
        key_version=key_version,
        health=HealthRecord(state.health, points, state.exposed_by, state.hops),
        memory=GuardedMemory(immune).current(agent),
    )
    body = msgspec.json.encode(snap)
    with immune.store.transaction() as cur:
        cur.execute(
            "INSERT INTO response_snapshots VALUES (?,?,?,?,?,?)",
            (snap.id, agent, snap.at, label, body, hashlib.sha256(body).hexdigest()),
        )
    return snap


def load(immune: Immune, snapshot_id: str) -> Snapshot:
    _engine(immune).threats  # noqa: B018  (creates the tables on a fresh store)
    rows = immune.store.query(
        "SELECT body, sha256 FROM response_snapshots WHERE id = ?", (snapshot_id,)
    )
    if not rows:
        raise InputError("snapshot", f"no snapshot {snapshot_id!r}")
    raw, digest = rows[0]
    body = raw.encode() if isinstance(raw, str) else bytes(raw)  # an edit may store text
    if hashlib.sha256(body).hexdigest() != digest:
        raise StoreError(f"snapshot {snapshot_id}: body does not match its SHA-256")
    return msgspec.json.decode(body, type=Snapshot)


def restore(immune: Immune, snapshot_id: str, *, by: str) -> Snapshot:
    """Put the agent's memory and health back as they were in the snapshot."""
    snap = load(immune, snapshot_id)
    engine = _engine(immune)
    GuardedMemory(immune).restore(snap.agent, snap.memory, by)
    h = snap.health
    restored = AgentState(
        snap.agent, health=h.health, points=h.points, exposed_by=h.exposed_by, hops=h.hops
    )
    engine.set_health(restored)
    return snap


def listing(immune: Immune, agent: str | None = None) -> list[tuple[str, str, float, str]]:
    _engine(immune).threats  # noqa: B018
    sql = "SELECT id, agent, at, label FROM response_snapshots"
    params: tuple[str, ...] = ()
    if agent:
        sql, params = sql + " WHERE agent = ?", (agent,)
    return [tuple(row) for row in immune.store.query(sql + " ORDER BY at", params)]
