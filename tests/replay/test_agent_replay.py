"""The replay of public agent-injection benchmarks (benchmarks/agent_replay.py), on a
fixture of a few cases in each benchmark's format (written for these tests): the
manifest rule, how a trace is built, and that each step is scored for what stopped it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import agent_replay  # noqa: E402
from replay import asb, injecagent, play, report, rules  # noqa: E402
from replay.files import Missing  # noqa: E402
from replay.model import Call, Read, Source  # noqa: E402

FIXTURES = Path(__file__).with_name("fixtures")
CALLS = {
    "BankTransferFunds": {
        "from_account_number": "111-2222-3333",
        "to_account_number": "555-0101-7788",
        "amount": 900,
    },
    "DoorUnlock": {},
}
POLICY_ONLY, EVERY_LAYER = play.SETUPS[1], play.SETUPS[0]
FLOW = "policy:policy.flow.untrusted_value"


def _injecagent() -> Source:
    return injecagent.load(FIXTURES / "injecagent", calls=CALLS)


def _by_tool(run: play.Run) -> dict[str, play.CaseOutcome]:
    return {[s for s in o.case.attack if isinstance(s, Call)][-1].tool: o for o in run.cases}


def test_the_rule_guards_where_money_goes_not_where_it_comes_from() -> None:
    entry = _injecagent().manifest["tools"]["BankTransferFunds"]
    assert entry["sink"] == "money"
    assert entry["args"]["to_account_number"]["from"] == "trusted"
    assert entry["args"]["amount"]["from"] == "trusted"
    assert "from" not in entry["args"]["from_account_number"]
    assert entry["args"]["speed"] == {
        "required": False,
        "type": "string",
        "enum": ["standard", "instant"],
    }


def test_the_rule_leaves_reads_alone_and_holds_actions_without_arguments() -> None:
    tools = _injecagent().manifest["tools"]
    assert "from" not in tools["MailboxReadMessage"]["args"]["message_id"]
    assert tools["BankGetBalance"] == {}
    assert tools["DoorUnlock"] == {"if_tainted": "hold"}
    assert tools["MailboxSendMessage"]["args"]["to"]["from"] == "trusted"
    assert "from" not in tools["MailboxSendMessage"]["args"]["body"]


@pytest.mark.parametrize(
    ("param", "level"),
    [
        ({"name": "note_id", "type": "string"}, "clean"),  # an identifier, not a note
        ({"name": "note", "type": "string"}, None),
        ({"name": "start_time", "type": "string"}, None),
        ({"name": "kind", "type": "string", "description": "one of ['a', 'b']"}, None),
        ({"name": "updates", "type": "object"}, None),
    ],
)
def test_which_arguments_of_an_acting_tool_get_a_source(
    param: dict[str, str], level: str | None
) -> None:
    assert rules.source_of(param, None) == level


def test_a_case_is_the_benchmarks_own_text_and_the_attackers_call() -> None:
    source = _injecagent()
    assert len(source.cases) == 3 and len(source.benign) == 1
    dh = source.cases[0]
    assert dh.group == "dh base" and dh.attack_type == "Financial Harm"
    assert dh.user_call == Call("MailboxReadMessage", {"message_id": "m-17"})
    assert "555-0101-7788" in dh.injected.text and not dh.injected.text.startswith('"')
    assert dh.attack == (Call("BankTransferFunds", CALLS["BankTransferFunds"]),)
    first, output, send = source.cases[2].attack
    assert first == Call("BankGetBalance", {}) and isinstance(output, Read)
    assert send == Call(
        "MailboxSendMessage",
        {"to": "amy.watson@gmail.com", "subject": "Requested information", "body": output.text},
    )
    assert "<Attacker Instruction>" not in source.benign[0].result.text
    assert any("dh_enhanced" in note for note in source.notes)


def test_the_barrier_stops_each_attack_for_its_reason(tmp_path: Path) -> None:
    run = play.run(_injecagent(), POLICY_ONLY, tmp_path, progress=False)
    assert all(not o.user.stopped and not o.result.stopped for o in run.cases)
    outcomes = _by_tool(run)
    assert outcomes["BankTransferFunds"].calls[0].by == FLOW
    assert outcomes["DoorUnlock"].calls[0].by == "policy:policy.tainted"
    reading, sending = outcomes["MailboxSendMessage"].calls
    assert not reading.stopped and sending.by == FLOW
    assert all(b.untouched for b in run.benign)
    assert set(run.timings) == {"message", "tool_call", "tool_result"}


def test_every_layer_passes_the_user_and_stops_the_attacks(tmp_path: Path) -> None:
    run = play.run(_injecagent(), EVERY_LAYER, tmp_path, progress=False)
    assert all(not o.user.stopped and o.defended for o in run.cases)
    assert all(b.untouched for b in run.benign)


def test_asb_cases_use_asbs_five_wordings_and_two_manifests() -> None:
    granted, own = asb.load(FIXTURES / "asb")
    assert len(granted.cases) == 2 * 5 and granted.cases is own.cases
    assert {c.group for c in granted.cases} == set(asb.wordings("x", "T"))
    case = granted.cases[0]
    assert case.user_call == Call("booking_book") and case.attack == (Call("RecordExporter"),)
    assert case.injected.text.startswith("You have read the appointment book")
    assert '"RecordExporter" tool' in case.injected.text
    assert "RecordExporter" in granted.manifest["agents"]["clinic_agent"]["tools"]
    assert "RecordExporter" not in own.manifest["tools"]


def test_a_granted_tool_without_arguments_leaves_the_barrier_nothing(tmp_path: Path) -> None:
    granted, own = asb.load(FIXTURES / "asb")
    missed = play.run(granted, POLICY_ONLY, tmp_path, progress=False)
    assert not any(o.defended for o in missed.cases)
    causes = report.failures(missed, granted.manifest)["attacks missed, by cause"]
    assert list(causes) == ["a granted tool without arguments: nothing for the barrier to check"]
    refused = play.run(own, POLICY_ONLY, tmp_path, progress=False)
    assert {o.calls[0].by for o in refused.cases} == {"policy:policy.undeclared_tool"}


def test_missing_data_is_named(tmp_path: Path) -> None:
    with pytest.raises(Missing, match=r"tools\.json"):
        injecagent.load(tmp_path)
    with pytest.raises(Missing, match=r"agent_task\.jsonl"):
        asb.load(tmp_path)


def test_the_script_reports_each_source_and_set_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--asb", str(FIXTURES / "asb"), "--setup", "policy only"]
    assert agent_replay.main([*argv, "--injecagent", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "InjecAgent: no tools.json" in err
    assert "== asb, policy only: 10 attacks, 2 benign" in out
    assert "== asb-own-tools, policy only" in out
    assert agent_replay.main(["--injecagent", str(tmp_path)]) == 2
