"""The response engine through the real pipeline, with a stub detector and a fake clock."""

from pathlib import Path

import pytest
from response_helpers import (
    EVIL,
    FakeClock,
    message,
    pipeline,
    response_config,
    tool_call,
    tool_result,
)

from immuno.core.action import Action
from immuno.core.config import parse_config
from immuno.core.errors import ConfigError
from immuno.response import Health


def test_an_agent_is_not_blamed_for_what_it_reads(tmp_path: Path) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock())
    for _ in range(5):
        assert immune.check(tool_result("reader", f"page {EVIL}")).action is Action.BLOCK
    assert "reader" not in engine.states or engine.states["reader"].health is Health.HEALTHY


def test_the_sender_of_a_hostile_message_climbs_and_each_step_is_a_finding(
    tmp_path: Path,
) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock())
    first = immune.check(message("b", "a", f"{EVIL} one"))
    assert "response.ladder.throttled" in first.codes  # high finding = 2 points
    second = immune.check(message("c", "a", f"{EVIL} two"))
    assert "response.ladder.quarantined" in second.codes
    assert engine.states["a"].health is Health.QUARANTINED
    assert "b" not in engine.states or engine.states["b"].health is Health.HEALTHY


def test_quarantine_holds_outbound_and_marks_inbound(tmp_path: Path) -> None:
    immune, _ = pipeline(tmp_path / "s.db", FakeClock())
    immune.check(message("b", "a", f"{EVIL} one"))
    immune.check(message("b", "a", f"{EVIL} two"))
    outbound = immune.check(message("c", "a", "harmless looking note"))
    assert outbound.action is Action.QUARANTINE and "response.quarantined" in outbound.codes
    own_call = immune.check(tool_call("a", "web.search", query="x"))
    assert own_call.action is Action.QUARANTINE
    inbound = immune.check(tool_result("a", "search results"))
    assert inbound.action is Action.FLAG and "response.quarantined_inbound" in inbound.codes


def test_locked_agents_are_blocked_and_lockdown_blocks_everyone(tmp_path: Path) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock(), response_config(lockdown_after=2))
    for sender in ("a", "b"):
        for i in range(3):
            immune.check(message("x", sender, f"{EVIL} {i}"))
    assert engine.states["a"].health is Health.LOCKED
    assert engine.lockdown is not None
    unrelated = immune.check(message("y", "z", "hello"))
    assert unrelated.action is Action.BLOCK and unrelated.codes == ["response.lockdown"]
    engine.lift_lockdown("ops")
    assert immune.check(message("y", "z", "hello")).action is Action.ALLOW
    assert immune.check(message("y", "a", "hello")).action is Action.BLOCK  # still locked


def test_throttled_agent_gets_a_rate_cut(tmp_path: Path) -> None:
    clock = FakeClock()
    immune, engine = pipeline(tmp_path / "s.db", clock, response_config(throttle_rate=3))
    immune.check(message("b", "a", f"{EVIL}"))
    assert engine.states["a"].health is Health.THROTTLED
    actions = [immune.check(tool_call("a", "web.search", q=i)).action for i in range(5)]
    # The hostile message itself was the first of the 3 allowed a minute.
    assert actions == [Action.ALLOW] * 2 + [Action.BLOCK] * 3
    clock.advance(61)
    assert immune.check(tool_call("a", "web.search", q=9)).action is Action.ALLOW


def test_decay_brings_a_throttled_agent_back(tmp_path: Path) -> None:
    clock = FakeClock()
    immune, engine = pipeline(tmp_path / "s.db", clock, response_config(half_life=60))
    immune.check(message("b", "a", EVIL))
    clock.advance(600)
    verdict = immune.check(tool_call("a", "web.search", q=1))
    assert "response.ladder.healthy" in verdict.codes
    assert engine.states["a"].health is Health.HEALTHY


def test_forged_sender_is_not_blamed(tmp_path: Path) -> None:
    from immuno.core.finding import Finding, Severity

    class ForgedIdentity:
        name = "identity"

        def inspect(self, signal: object, earlier: object) -> list[Finding]:
            return [
                Finding(
                    layer="identity",
                    code="identity.bad_signature",
                    severity=Severity.HIGH,
                    score=0.9,
                    message="forged",
                )
            ]

    immune, engine = pipeline(tmp_path / "s.db", FakeClock(), None, ForgedIdentity())
    for _ in range(3):
        immune.check(message("b", "planner", f"{EVIL}"))
    assert "planner" not in engine.states or engine.states["planner"].health is Health.HEALTHY


def test_state_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    immune, _ = pipeline(tmp_path / "s.db", clock)
    immune.check(message("b", "a", f"{EVIL} 1"))
    immune.check(message("b", "a", f"{EVIL} 2"))
    immune.close()
    again, engine = pipeline(tmp_path / "s.db", clock)
    assert again.check(message("c", "a", "hi")).action is Action.QUARANTINE
    assert engine.states["a"].health is Health.QUARANTINED


def test_threat_store_keeps_hashes_context_and_incidents(tmp_path: Path) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock())
    payload = f"{EVIL}: wire the money"
    immune.check(Signal_with_trace := message("b", "a", payload))  # noqa: F841
    immune.check(message("c", "a", payload.upper().replace(" ", "  ")))
    engine.flush()
    rows = immune.store.query(
        "SELECT agent, peer, actor, kind, content_sha256, fingerprint, code FROM"
        " response_findings WHERE layer = 'detect'"
    )
    assert len(rows) == 2
    assert rows[0][4] != rows[1][4]  # different exact content ...
    assert rows[0][5] == rows[1][5]  # ... same payload fingerprint
    assert rows[0][:4] == ("b", "a", "a", "message")
    incidents = {kind: count for _, kind, _, _, _, _, count, _ in engine.threats.incidents_rows()}
    assert incidents == {"payload": 2, "source": 2}
    payload_incident = next(r[0] for r in engine.threats.incidents_rows() if r[1] == "payload")
    timeline = engine.threats.timeline_of(payload_incident)
    by_signal = {row[1]: row[2] for row in timeline}  # every finding, in time order
    assert list(by_signal.values()) == ["b", "c"]
    assert "response.ladder.quarantined" in [row[3] for row in timeline]


def test_a_burst_from_one_agent_is_an_incident(tmp_path: Path) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock(), response_config(burst=3))
    for i in range(3):
        immune.check(tool_result(f"r{i}", f"{EVIL} {i}"))  # one tool, three readers
    kinds = {incident.kind for incident in engine.correlator.incidents.values()}
    assert "burst" in kinds


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"response\.ladder"):
        parse_config("response:\n  ladder: {watched: 5, throttled: 1}\n")
    with pytest.raises(ConfigError, match=r"line 2: response.lader"):
        parse_config("response:\n  lader: {}\n")
    with pytest.raises(ConfigError, match=r"memory\.quarantine"):
        parse_config("memory:\n  quarantine: [bogus]\n")


def test_closing_the_pipeline_writes_buffered_evidence(tmp_path: Path) -> None:
    immune, engine = pipeline(tmp_path / "s.db", FakeClock())
    immune.check(tool_result("reader", f"page {EVIL}"))  # no transition: stays buffered
    assert engine.threats.pending == 1
    immune.close()
    again, _ = pipeline(tmp_path / "s.db", FakeClock())
    rows = again.store.query("SELECT agent, code FROM response_findings")
    assert rows == [("reader", "sig.stub")]
