"""The health ladder: healthy -> watched -> throttled -> quarantined -> locked.

An agent collects points for the hostile things it emits; points halve every
``half_life`` seconds. Crossing a threshold moves the agent up at once. Watched and
throttled agents step back down as their points decay; quarantine and lock are
sticky: only an operator's release brings the agent back (fail closed).
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field

from immuno.core.config import ResponseConfig
from immuno.core.signal import Signal

_ORDER = ("healthy", "watched", "throttled", "quarantined", "locked")


class Health(enum.StrEnum):
    HEALTHY = "healthy"
    WATCHED = "watched"
    THROTTLED = "throttled"
    QUARANTINED = "quarantined"
    LOCKED = "locked"

    @property
    def rank(self) -> int:
        return _ORDER.index(self.value)

    @property
    def sticky(self) -> bool:
        """Quarantine and lock wait for an operator; decay does not lift them."""
        return self.rank >= _ORDER.index("quarantined")


RECENT_OUTPUTS = 32  # signals kept per agent to mark as suspect when it is quarantined


@dataclass(slots=True)
class AgentState:
    """What the response engine knows about one agent (in memory; flushed to the store)."""

    agent: str
    health: Health = Health.HEALTHY
    points: float = 0.0
    updated: float = 0.0  # clock time ``points`` refers to
    since: float = 0.0  # clock time of the last transition
    reason: str = ""
    exposed_by: str | None = None  # the quarantined agent whose output it consumed
    hops: int = 0
    dirty_since_exposure: bool = False  # emitted something hostile while exposed
    emitted: deque[float] = field(default_factory=deque)  # for the throttle window
    recent: deque[Signal] = field(default_factory=lambda: deque(maxlen=RECENT_OUTPUTS))
    consumers: dict[str, float] = field(default_factory=dict)  # agent -> last consumed at

    @property
    def exposed(self) -> bool:
        return self.exposed_by is not None


@dataclass(frozen=True, slots=True)
class Transition:
    agent: str
    before: Health
    after: Health
    at: float
    points: float
    reason: str


class Ladder:
    """Pure ladder arithmetic: points, decay and the thresholds of one configuration."""

    def __init__(self, config: ResponseConfig) -> None:
        t = config.ladder
        self.half_life = config.half_life
        self._steps = (
            (t.locked, Health.LOCKED),
            (t.quarantined, Health.QUARANTINED),
            (t.throttled, Health.THROTTLED),
            (t.watched, Health.WATCHED),
        )

    def level(self, points: float) -> Health:
        for threshold, health in self._steps:
            if points >= threshold:
                return health
        return Health.HEALTHY

    def decayed(self, state: AgentState, now: float) -> float:
        elapsed = now - state.updated
        if elapsed <= 0.0 or state.points == 0.0:
            return state.points
        return state.points * math.pow(0.5, elapsed / self.half_life)

    def add(self, state: AgentState, points: float, now: float, reason: str) -> Transition | None:
        """Add evidence; return the transition it causes, if any."""
        state.points = self.decayed(state, now) + points
        state.updated = now
        return self._settle(state, now, reason)

    def settle(self, state: AgentState, now: float) -> Transition | None:
        """Let decay step a watched or throttled agent down."""
        if state.health is Health.HEALTHY or state.health.sticky:
            return None
        state.points = self.decayed(state, now)
        state.updated = now
        return self._settle(state, now, "points decayed")

    def _settle(self, state: AgentState, now: float, reason: str) -> Transition | None:
        target = self.level(state.points)
        if target is state.health or (state.health.sticky and target.rank < state.health.rank):
            return None
        return self.move(state, target, now, reason)

    @staticmethod
    def move(state: AgentState, target: Health, now: float, reason: str) -> Transition:
        transition = Transition(state.agent, state.health, target, now, state.points, reason)
        state.health = target
        state.since = now
        state.reason = reason
        return transition
