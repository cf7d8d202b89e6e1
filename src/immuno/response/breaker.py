"""Circuit breaker and operator controls: isolate, expose, release, restore.

When an agent is quarantined, what it recently emitted becomes a suspect payload
(recognised wherever it turns up again), and the agents that consumed its output
within ``exposure_window`` are marked exposed, then their consumers, up to
``exposure_hops`` hops. Releasing an agent clears the exposure of the agents it
exposed only when they stayed clean while exposed.
"""

from __future__ import annotations

from collections.abc import Callable

from immuno.core.config import ResponseConfig
from immuno.core.errors import InputError
from immuno.response.fingerprint import fingerprint, part_fingerprints
from immuno.response.ladder import AgentState, Health, Ladder, Transition
from immuno.response.threats import RESTORED, ThreatStore


class Breaker:
    """Operator-facing half of the engine (mixed into ``ResponseEngine``)."""

    config: ResponseConfig
    clock: Callable[[], float]
    ladder: Ladder
    states: dict[str, AgentState]
    suspects: dict[str, str]
    lockdown: str | None

    @property
    def threats(self) -> ThreatStore:
        raise NotImplementedError

    def state(self, agent: str) -> AgentState:
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError

    def isolate(self, state: AgentState, now: float) -> list[str]:
        """Mark the agent's recent payloads suspect and expose its consumers."""
        threats = self.threats
        for signal in state.recent:
            text = signal.text()
            if text:
                for fp in (fingerprint(text), *part_fingerprints(signal)):
                    self.suspects[fp] = state.agent
                    threats.suspects[fp] = (state.agent, now)
        exposed: list[str] = []
        frontier = [state.agent]
        seen = {state.agent}
        for hop in range(1, self.config.exposure_hops + 1):
            following: list[str] = []
            for agent in frontier:
                source = self.states.get(agent)
                if source is None:
                    continue
                for consumer, at in source.consumers.items():
                    if consumer in seen or now - at > self.config.exposure_window:
                        continue
                    seen.add(consumer)
                    target = self.state(consumer)
                    if target.health.sticky or target.exposed:
                        continue
                    target.exposed_by = state.agent
                    target.hops = hop
                    target.dirty_since_exposure = False
                    threats.states[consumer] = target
                    exposed.append(consumer)
                    following.append(consumer)
            frontier = following
        return exposed

    def release(self, agent: str, by: str) -> list[str]:
        """Operator release: the agent is healthy again; returns descendants cleared."""
        if agent not in self.states:
            self.threats  # noqa: B018  (load persisted state first)
        state = self.states.get(agent)
        if state is None:
            raise InputError("agent", f"no health record for {agent!r}")
        now = self.clock()
        threats = self.threats
        state.points = 0.0
        state.updated = now
        state.exposed_by = None
        state.dirty_since_exposure = False
        threats.transitions.append(Ladder.move(state, Health.HEALTHY, now, f"released by {by}"))
        threats.states[agent] = state
        for fp in [fp for fp, origin in self.suspects.items() if origin == agent]:
            del self.suspects[fp]
            threats.suspects[fp] = None
        cleared = []
        for other in self.states.values():
            if other.exposed_by != agent:
                continue
            if other.health.rank <= Health.WATCHED.rank and not other.dirty_since_exposure:
                other.exposed_by = None
                other.hops = 0
                threats.states[other.agent] = other
                cleared.append(other.agent)
        self.flush()
        return cleared

    def lift_lockdown(self, by: str) -> None:
        self.threats  # noqa: B018  (load persisted state first)
        self.lockdown = None
        self.threats.network["lockdown"] = ""
        self.threats.network["lockdown_lifted_by"] = by
        self.flush()

    def set_health(self, restored: AgentState) -> Transition:
        """Put an agent back into a snapshotted health state (restore)."""
        self.threats  # noqa: B018
        state = self.state(restored.agent)
        before = state.health
        state.points, state.updated = restored.points, self.clock()
        state.exposed_by, state.hops = restored.exposed_by, restored.hops
        state.health = before
        move = Ladder.move(state, restored.health, state.updated, RESTORED)
        self.threats.transitions.append(move)
        self.threats.states[state.agent] = state
        self.flush()
        return move
