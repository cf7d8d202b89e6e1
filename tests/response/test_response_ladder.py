import pytest

from immuno.core.config import Config, LadderThresholds, ResponseConfig
from immuno.response import AgentState, Health, Ladder

pytestmark = pytest.mark.no_store  # opens no store


def _ladder(half_life: float = 100.0) -> Ladder:
    return Ladder(ResponseConfig(half_life=half_life))


def test_points_climb_the_ladder_in_order() -> None:
    ladder = _ladder()
    state = AgentState("a")
    seen = []
    for _ in range(6):
        moved = ladder.add(state, 1.0, 0.0, "evidence")
        if moved:
            seen.append((moved.before, moved.after))
    assert seen == [
        (Health.HEALTHY, Health.WATCHED),
        (Health.WATCHED, Health.THROTTLED),
        (Health.THROTTLED, Health.QUARANTINED),
        (Health.QUARANTINED, Health.LOCKED),
    ]


def test_a_big_jump_skips_rungs() -> None:
    state = AgentState("a")
    moved = _ladder().add(state, 3.5, 0.0, "critical")
    assert moved is not None and moved.after is Health.QUARANTINED


def test_points_decay_and_watched_steps_down() -> None:
    ladder = _ladder(half_life=100.0)
    state = AgentState("a")
    ladder.add(state, 2.0, 0.0, "x")
    assert state.health is Health.THROTTLED
    moved = ladder.settle(state, 100.0)  # one half-life: 1.0 points
    assert moved is not None and moved.after is Health.WATCHED
    assert abs(state.points - 1.0) < 1e-9
    ladder.settle(state, 300.0)
    assert state.health is Health.HEALTHY


def test_quarantine_is_sticky_under_decay() -> None:
    ladder = _ladder(half_life=1.0)
    state = AgentState("a")
    ladder.add(state, 3.0, 0.0, "x")
    assert ladder.settle(state, 1000.0) is None
    assert state.health is Health.QUARANTINED


def test_thresholds_come_from_config() -> None:
    config = ResponseConfig(
        ladder=LadderThresholds(watched=5, throttled=6, quarantined=7, locked=8)
    )
    assert Ladder(config).level(4.9) is Health.HEALTHY
    assert Ladder(config).level(7.0) is Health.QUARANTINED


def test_default_config_is_valid() -> None:
    assert Config().response.ladder.quarantined == 3.0
