"""The response engine: a Layer (order 900) and an Observer in one component.

As a layer it reads the findings of the layers before it, updates correlation and
the health ladder of the signal's actor, reports every transition as a finding of
this very verdict, and applies the agent's health: a throttled agent's excess is
blocked, a quarantined agent's outbound signals are quarantined (held, not
delivered) and its inbound ones flagged, a locked agent's signals are blocked, an
exposed agent's sensitive acts are held. As an observer it learns what was
delivered (who consumed whose output, for the circuit breaker) and hands the
evidence to the threat store. State is in memory; see ``threats`` for when it is
flushed.

Replicas (worker processes, hosts) share one store. Each reads the others' ladder
moves from the store at least once a second before it judges; with Redis
(``store.redis``) every flush is also published and applied by the others within
milliseconds, so a quarantine decided on one replica holds on all of them.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from immuno.core.action import Action
from immuno.core.config import ResponseConfig
from immuno.core.errors import StoreError
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.response import findings as F
from immuno.response.attribution import actor_of, sensitive_matcher, source_of
from immuno.response.breaker import Breaker
from immuno.response.correlate import MAX_INCIDENTS, RANK, Correlator, Incident, Sighting
from immuno.response.fingerprint import fingerprint, part_fingerprints
from immuno.response.ladder import AgentState, Health, Ladder, Transition
from immuno.response.replication import Replication
from immuno.response.threats import RESTORED, ThreatStore, load_incidents
from immuno.store.base import Store

if TYPE_CHECKING:
    from immuno.store.shared import Event, Listener, SharedState

log = logging.getLogger(__name__)
Clock = Callable[[], float]
# Points an actor earns for the worst finding on what it emitted.
WEIGHT = {
    Severity.INFO: 0.0,
    Severity.LOW: 0.25,
    Severity.MEDIUM: 1.0,
    Severity.HIGH: 2.0,
    Severity.CRITICAL: 4.0,
}
_INFO = Severity.INFO
_OWN_FAILURES = frozenset({"layer.error", "audit.seal_failed"})  # a crash is not the agent's
EXPOSED_FACTOR = 2.0  # an exposed agent's evidence counts double: checked more strictly
FLUSH_SECONDS = 1.0
THROTTLE_WINDOW = 60.0
FLEET_CHANNEL = "ladder"


@dataclass(slots=True)
class _Stash:
    """What inspect learnt about a signal, for observe to persist."""

    fingerprint: str
    actor: str | None
    incidents: list[Incident]
    urgent: bool


class ResponseEngine(Breaker):
    name = "response"
    judges: frozenset[SignalKind] = frozenset()  # it weighs what other layers found

    def __init__(
        self,
        config: ResponseConfig,
        store: Store | Callable[[], Store],
        clock: Clock,
        shared: Callable[[], SharedState | None] | None = None,
    ):
        self.config = config
        self.clock = clock
        self._store_source = store
        self.ladder = Ladder(config)
        self.correlator = Correlator(config.burst, config.burst_window)
        self.states: dict[str, AgentState] = {}
        self.suspects: dict[str, str] = {}  # payload fingerprint -> quarantined origin
        on = config.replication.enabled
        self.replication = Replication(config.replication) if on else None
        self.lockdown: str | None = None
        self._sensitive = sensitive_matcher(config.hold_when_exposed)
        self._not_evidence = sensitive_matcher(config.not_evidence)
        self._evidence_codes: dict[str, bool] = {}
        self._threats: ThreatStore | None = None
        self._stash: dict[str, _Stash] = {}
        self._lock = threading.RLock()
        self._last_flush = 0.0
        self._seen = 0  # last transition id read from the store
        self._shared_source = shared
        self._shared: SharedState | None = None
        self._listener: Listener | None = None
        self._stale = False  # fleet events may have been missed: read the store first

    # -- state -------------------------------------------------------------------------

    @property
    def threats(self) -> ThreatStore:
        """The threat store, opened and loaded on first use (state survives restarts)."""
        if self._threats is None:
            source = self._store_source
            store = source if not callable(source) else source()
            threats = ThreatStore(store)
            for state in threats.load_states():
                self.states[state.agent] = state
            self.suspects = threats.load_suspects()
            self.lockdown = threats.load_network().get("lockdown") or None
            for incident in load_incidents(store, MAX_INCIDENTS):
                self.correlator.add(incident)
            self._threats = threats
            self._last_flush = self.clock()
            self._seen = threats.mark()
            _flush_at_exit(self)
            self._listen()
        return self._threats

    def _listen(self) -> None:
        shared = self._shared_source() if self._shared_source is not None else None
        if shared is not None:
            self._shared = shared
            self._listener = shared.listen(FLEET_CHANNEL, self._on_event, self._on_gap)

    def open(self) -> None:
        """Open and load the threat store now rather than inside the first check."""
        self.threats  # noqa: B018

    def state(self, agent: str) -> AgentState:
        state = self.states.get(agent)
        if state is None:
            state = self.states[agent] = AgentState(agent)
        return state

    # -- Layer -------------------------------------------------------------------------

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        with self._lock:
            threats = self.threats
            now = self.clock()
            if self._stale or now - self._last_flush >= FLUSH_SECONDS:
                self.sync()  # what other replicas decided counts before we judge
            if self.lockdown:
                return [F.lockdown(self.lockdown)]
            actor = actor_of(signal, earlier)
            recorded = [f for f in earlier if f.severity is not _INFO and f.layer != self.name]
            evidence = [f for f in recorded if self._is_evidence(f)] if recorded else recorded
            out: list[Finding] = []
            fp = ""
            if evidence or self.suspects:
                fp = fingerprint(signal.text())
            origin = self.suspects.get(fp) if fp else None
            if origin is None and self.suspects and signal.args:
                origin = next(
                    (o for p in part_fingerprints(signal) if (o := self.suspects.get(p))), None
                )
            # A known payload or a relay again is no new evidence against an agent
            # already held (its output is held): it must not climb to a lock for it.
            acting = self.states.get(actor) if actor is not None else None
            held = acting is not None and acting.health.sticky
            if origin is not None and origin != actor:
                out.append(F.known_payload(origin))
                if not held:
                    evidence.append(out[-1])
            judged = self.replication.inspect(signal, actor, now) if self.replication else None
            if judged is not None:
                out += judged.findings
                if not held:
                    evidence += judged.evidence
            transitions: list[Transition] = []
            incidents: list[Incident] = []
            if evidence:
                incidents, bonus = self.correlator.observe(
                    Sighting(
                        at=now,
                        source=source_of(signal, actor),
                        agent=signal.agent,
                        channel=signal.channel,
                        fingerprint=fp,
                        severity=evidence[0].severity
                        if len(evidence) == 1
                        else max((f.severity for f in evidence), key=RANK.__getitem__),
                        layers=[f.layer for f in evidence],
                    )
                )
                if actor is not None:
                    transitions += self._charge(actor, evidence, bonus, now, incidents)
                for origin, charged in judged.charges if judged is not None else ():
                    out.append(charged)
                    if not self.state(origin).health.sticky:
                        transitions += self._charge(origin, [charged], 0, now, incidents)
            elif actor is not None and (state := self.states.get(actor)) is not None:
                moved = self.ladder.settle(state, now)
                if moved is not None:
                    transitions.append(moved)
                    threats.states[actor] = state
            for transition in transitions:
                out.extend(self._on_transition(transition, now, incidents))
            out.extend(self._apply_health(signal, actor, evidence, now))
            if recorded or transitions or out:
                self._stash[signal.id] = _Stash(fp, actor, incidents, bool(transitions))
            return out

    def _charge(
        self,
        actor: str,
        evidence: list[Finding],
        bonus: int,
        now: float,
        incidents: list[Incident],
    ) -> list[Transition]:
        state = self.state(actor)
        if state.health is Health.LOCKED:
            return []  # the top rung: more points change nothing
        worst = (
            evidence[0] if len(evidence) == 1 else max(evidence, key=lambda f: WEIGHT[f.severity])
        )
        points = WEIGHT[worst.severity] + bonus
        if state.exposed:
            points *= EXPOSED_FACTOR
            state.dirty_since_exposure = points > 0
        self.threats.states[actor] = state
        if points <= 0:
            return []
        reason = f"{worst.layer}/{worst.code}" + (f" (+{bonus} correlated)" if bonus else "")
        moved = self.ladder.add(state, points, now, reason)
        return [moved] if moved is not None else []

    def _on_transition(self, t: Transition, now: float, incidents: list[Incident]) -> list[Finding]:
        self.threats.transitions.append(t)
        found = [F.transition(t, incidents[0].id if incidents else None)]
        state = self.states[t.agent]
        state.emitted.clear()
        if t.after is Health.QUARANTINED or (t.after is Health.LOCKED and not t.before.sticky):
            exposed = self.isolate(state, now)
            if exposed:
                found.append(F.exposure(t.agent, exposed))
        if t.after is Health.LOCKED:
            locked = sorted(a for a, s in self.states.items() if s.health is Health.LOCKED)
            limit = self.config.lockdown_after
            if limit and len(locked) >= limit:
                self.lockdown = f"{len(locked)} agents locked: {', '.join(locked)}"
                self.threats.network["lockdown"] = self.lockdown
                found.append(F.lockdown(self.lockdown))
        return found

    def _apply_health(
        self, signal: Signal, actor: str | None, evidence: list[Finding], now: float
    ) -> list[Finding]:
        acting = self.states.get(actor) if actor is not None else None
        target = self.states.get(signal.agent) if signal.agent != actor else None
        if acting is not None and acting.health is Health.LOCKED:
            return [F.locked(acting.agent)]
        if target is not None and target.health is Health.LOCKED:
            return [F.locked(target.agent)]
        if acting is not None and acting.health is Health.QUARANTINED:
            return [F.quarantined_outbound(acting.agent)]
        out: list[Finding] = []
        if target is not None and target.health is Health.QUARANTINED:
            out.append(F.quarantined_inbound(target.agent))
        if acting is None:
            return out
        if acting.health is Health.THROTTLED:
            window = acting.emitted
            while window and now - window[0] > THROTTLE_WINDOW:
                window.popleft()
            if len(window) >= self.config.throttle_rate:
                return [*out, F.throttled(acting.agent, self.config.throttle_rate)]
            window.append(now)
        if acting.exposed:
            if self._is_sensitive(signal):
                out.append(F.exposed_hold(acting, signal.id))
            else:
                out.append(F.exposed_flag(acting.agent, acting.exposed_by))
        return out

    def _is_evidence(self, finding: Finding) -> bool:
        """Charged to the actor: not immuno's own failure, not a request for approval,
        not a listed code."""
        if finding.action is Action.HOLD:
            return False
        known = self._evidence_codes.get(finding.code)
        if known is None:
            known = finding.code not in _OWN_FAILURES and (
                self._not_evidence is None or self._not_evidence.match(finding.code) is None
            )
            if len(self._evidence_codes) < 4096:  # codes are few; bound it anyway
                self._evidence_codes[finding.code] = known
        return known

    def _is_sensitive(self, signal: Signal) -> bool:
        if signal.kind == SignalKind.MEMORY_WRITE:
            return True
        return (
            signal.kind == SignalKind.TOOL_CALL
            and self._sensitive is not None
            and signal.tool is not None
            and self._sensitive.match(signal.tool) is not None
        )

    # -- Observer ----------------------------------------------------------------------

    def observe(self, signal: Signal, verdict: Verdict) -> None:
        with self._lock:
            now = self.clock()
            stash = self._stash.pop(signal.id, None)
            if self.replication is not None and signal.kind == SignalKind.MESSAGE:
                self.replication.settle(signal.id, not verdict.action.stops, now)
            actor = stash.actor if stash is not None else actor_of(signal, verdict.findings)
            if actor is not None:
                self.state(actor).recent.append(signal)
            # Who consumed whose output: the edges the circuit breaker follows.
            producer = actor if signal.kind == SignalKind.MESSAGE else None
            if signal.kind == SignalKind.MEMORY_READ:
                producer = signal.peer
            if producer and producer != signal.agent and not verdict.action.stops:
                self.state(producer).consumers[signal.agent] = now
            threats = self.threats
            if stash is not None:
                self._record(signal, verdict, stash, now)
            if (
                (stash is not None and stash.urgent)
                or threats.pending >= self.config.flush_every
                or now - self._last_flush >= FLUSH_SECONDS  # also: see operators' actions
            ):
                self.sync()

    def _record(self, signal: Signal, verdict: Verdict, stash: _Stash, now: float) -> None:
        """Queue the evidence; rows are built at flush time (write-behind)."""
        self.threats.evidence.append(
            (now, signal, verdict, stash.fingerprint, stash.actor, stash.incidents)
        )

    def flush(self) -> None:
        """Write buffered findings and state now (nothing to do: no store access)."""
        with self._lock:
            if self._threats is not None and self._threats.buffered:
                self.sync()

    def sync(self) -> None:
        """Write what is buffered (and tell the fleet), and pick up what other replicas
        and operators did (ladder moves, ``immuno release``, ``restore``, lockdowns)."""
        with self._lock:
            threats = self.threats
            ours = "lockdown" in threats.network
            event = _event(threats) if self._shared is not None else None
            others, self._seen = threats.flush(self._seen)
            self._last_flush = self.clock()
            self._stale = False
            for agent, after, points, reason, at in others:
                if agent == "":  # the network row: lockdown entered or lifted elsewhere
                    if not ours:
                        self.lockdown = reason or None
                    continue
                self._move(agent, Health(after), at, reason, points, self.clock())
        if event and self._shared is not None:
            try:
                self._shared.publish(FLEET_CHANNEL, event)
            except StoreError as exc:  # the store has it: others read it within a second
                log.warning("fleet event not published: %s", exc)

    # -- fleet ---------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        """Apply what another replica flushed (called on the listener's thread)."""
        with self._lock:
            self.threats  # noqa: B018  (loaded before anything is applied)
            for row in event.get("states", ()):
                self._adopt(row)
            for fp, origin in dict(event.get("suspects", {})).items():
                if origin:
                    self.suspects[str(fp)] = str(origin)
                else:
                    self.suspects.pop(str(fp), None)
            if "lockdown" in event:
                self.lockdown = str(event["lockdown"]) or None

    def _adopt(self, row: dict[str, Any]) -> None:
        agent, health = str(row["agent"]), Health(row["health"])
        state = self.state(agent)
        if row["exposed_by"] and not state.exposed_by and not state.health.sticky:
            state.exposed_by, state.hops = str(row["exposed_by"]), int(row["hops"])
        reason, updated = str(row["reason"]), max(state.updated, float(row["updated"]))
        if self._move(agent, health, float(row["since"]), reason, float(row["points"]), updated):
            state.dirty_since_exposure = state.dirty_since_exposure or bool(row["dirty"])

    def _move(
        self, agent: str, health: Health, since: float, reason: str, points: float, now: float
    ) -> bool:
        """Apply another replica's (or an operator's) ladder move to ``agent`` if it
        replaces ours (see :func:`_replaces`); else keep the larger of the points."""
        state = self.state(agent)
        if not _replaces(state, health, since, reason):
            if health is state.health:
                state.points = max(state.points, points)  # both replicas charged evidence
            return False
        operator = _operator_act(reason)
        state.health, state.since, state.reason = health, since, reason
        state.points = points if operator else max(state.points, points)
        state.updated = now
        state.emitted.clear()
        if reason.startswith("released by"):
            state.exposed_by, state.hops = None, 0
            for fp in [fp for fp, origin in self.suspects.items() if origin == agent]:
                del self.suspects[fp]
        return True

    def wait_listening(self, timeout: float) -> bool:
        """Open the engine and wait until it hears the fleet; False without Redis or
        when the subscription is not up within ``timeout`` seconds."""
        self.open()
        return self._listener is not None and self._listener.ready.wait(timeout)

    def _on_gap(self) -> None:
        self._stale = True  # read without the lock: a flag the next check looks at

    def close(self) -> None:
        self.flush()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


def _operator_act(reason: str) -> bool:
    return reason.startswith("released by") or reason == RESTORED


def _replaces(state: AgentState, health: Health, since: float, reason: str) -> bool:
    """Whether another replica's ladder move replaces what this one holds. A stricter
    rung always wins: a replica that has not heard of a quarantine yet must not undo
    it with a milder move of its own. A milder rung wins only as an operator's newer
    release or restore (fail closed). On the same rung, the newer move."""
    if health.rank > state.health.rank:
        return True
    if health.rank < state.health.rank:
        return _operator_act(reason) and since >= state.since
    return since > state.since


def _event(threats: ThreatStore) -> Event | None:
    """What this flush changes, for the other replicas (before the buffers clear)."""
    event: dict[str, Any] = {}
    if threats.states:
        event["states"] = [
            {
                "agent": s.agent,
                "health": s.health.value,
                "points": s.points,
                "updated": s.updated,
                "since": s.since,
                "reason": s.reason,
                "exposed_by": s.exposed_by,
                "hops": s.hops,
                "dirty": s.dirty_since_exposure,
            }
            for s in threats.states.values()
        ]
    if threats.suspects:
        event["suspects"] = {fp: e[0] if e else None for fp, e in threats.suspects.items()}
    if "lockdown" in threats.network:
        event["lockdown"] = threats.network["lockdown"]
    return event or None


def _flush_at_exit(engine: ResponseEngine) -> None:
    """Write what is buffered when the process exits (without keeping the engine alive)."""
    ref = weakref.ref(engine)

    def flush() -> None:
        alive = ref()
        if alive is not None:
            with contextlib.suppress(StoreError):  # the store was closed first
                alive.flush()

    atexit.register(flush)
