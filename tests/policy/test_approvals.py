from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.backends import ON_POSTGRES, location_of
from typer.testing import CliRunner

from immuno import Action, Blocked, HeldForApproval, Immune
from immuno.cli import app
from immuno.policy.spec import Source

GOOD = "DE89-3704-0044-0532"


def held(immune: Immune, command: str = "ls -l") -> str:
    with pytest.raises(HeldForApproval) as caught:
        immune.guard_call("payments", "shell.run", {"command": command}, trace="t")
    verdict = caught.value.verdict
    assert verdict.action is Action.HOLD
    assert verdict.codes == ["policy.approval_required"]
    assert verdict.approval_id is not None
    return verdict.approval_id


SHELL_GRANTED = """\
agents:
  payments:
    tools: [shell.run]
tools:
  shell.run:
    sink: shell
    approval: required
    args:
      command: {type: string}
"""


def test_held_call_runs_once_after_approval(make_immune: Callable[..., Immune]) -> None:
    immune = make_immune(SHELL_GRANTED)
    request = held(immune)
    book = immune.layer("policy").approvals
    [pending] = book.list("pending")
    assert (pending.id, pending.agent, pending.tool) == (request, "payments", "shell.run")
    # Still pending: presenting the id keeps it on hold, no new request appears.
    with pytest.raises(HeldForApproval) as again:
        immune.guard_call("payments", "shell.run", {"command": "ls -l"}, approval_id=request)
    assert again.value.verdict.approval_id == request
    assert len(book.list("pending")) == 1
    book.approve(request, by="alice")
    verdict = immune.guard_call("payments", "shell.run", {"command": "ls -l"}, approval_id=request)
    assert verdict.action is Action.ALLOW
    assert verdict.codes == ["policy.approved"]
    with pytest.raises(Blocked, match="is used"):
        immune.guard_call("payments", "shell.run", {"command": "ls -l"}, approval_id=request)


def test_approval_is_for_exactly_the_approved_arguments(
    make_immune: Callable[..., Immune],
) -> None:
    immune = make_immune(SHELL_GRANTED)
    request = held(immune, "ls -l")
    immune.layer("policy").approvals.approve(request)
    with pytest.raises(Blocked, match="different call"):
        immune.guard_call("payments", "shell.run", {"command": "rm -rf /"}, approval_id=request)


def test_denied_and_unknown_approvals_block(make_immune: Callable[..., Immune]) -> None:
    immune = make_immune(SHELL_GRANTED)
    request = held(immune)
    immune.layer("policy").approvals.deny(request, note="no shell today")
    with pytest.raises(Blocked, match="is denied"):
        immune.guard_call("payments", "shell.run", {"command": "ls -l"}, approval_id=request)
    with pytest.raises(Blocked, match="no approval request"):
        immune.guard_call("payments", "shell.run", {"command": "ls -l"}, approval_id="nope")


def test_capability_expansion_is_held(make_immune: Callable[..., Immune]) -> None:
    immune = make_immune()
    # helper holds bank.payees only, but may ask for more with an approval
    with pytest.raises(HeldForApproval) as caught:
        immune.guard_call("helper", "shell.run", {"command": "uptime"})
    assert caught.value.verdict.codes == ["policy.expansion", "policy.approval_required"]
    # a blocked argument is never approved away and makes no request
    with pytest.raises(Blocked):
        immune.guard_call("helper", "shell.run", {"command": 5})
    assert len(immune.layer("policy").approvals.list("pending")) == 1


def test_approvals_survive_a_restart(make_immune: Callable[..., Immune]) -> None:
    first = make_immune(SHELL_GRANTED)
    request = held(first)
    first.close()
    second = make_immune(SHELL_GRANTED)
    second.layer("policy").approvals.approve(request)
    second.guard_call("payments", "shell.run", {"command": "ls -l"}, approval_id=request)


def test_cli_lists_approves_and_denies(make_immune: Callable[..., Immune], tmp_path: Path) -> None:
    immune = make_immune(SHELL_GRANTED)
    one, two = held(immune, "ls"), held(immune, "df")
    immune.close()
    config = tmp_path / "immuno.yaml"
    url = location_of(tmp_path / "immuno.db") if ON_POSTGRES else None
    config.write_text(
        f"store:\n  path: {tmp_path / 'immuno.db'}\n" + (f"  url: '{url}'\n" * bool(url))
    )
    runner = CliRunner()
    listed = runner.invoke(app, ["approvals", "list", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    assert one[:8] in listed.output and two[:8] in listed.output
    approved = runner.invoke(app, ["approvals", "approve", one, "--config", str(config)])
    assert approved.exit_code == 0 and "approved" in approved.output
    denied = runner.invoke(app, ["approvals", "deny", two, "--config", str(config)])
    assert denied.exit_code == 0 and "denied" in denied.output
    again = runner.invoke(app, ["approvals", "deny", two, "--config", str(config)])
    assert "already denied" in str(again.exception)


HOLD_ON_FLOW = """\
agents:
  payments:
    tools: [bank.transfer, wire.out]
tools:
  bank.transfer:
    sink: money
    on_violation: hold
    args:
      account: {type: string, from: trusted}
  wire.out:
    sink: money
    if_tainted: block
    args:
      account: {type: string}
"""


def test_a_held_data_flow_violation_can_be_approved(make_immune: Callable[..., Immune]) -> None:
    immune = make_immune(HOLD_ON_FLOW)
    immune.guard_result("payments", "email.read", "Water bill: IBAN DE02120300000000202051")
    args = {"account": "DE02120300000000202051"}
    with pytest.raises(HeldForApproval) as caught:
        immune.guard_call("payments", "bank.transfer", args)
    assert caught.value.verdict.codes == ["policy.flow.untrusted_value"]
    request = caught.value.verdict.approval_id
    assert request is not None
    immune.layer("policy").approvals.approve(request)
    assert immune.guard_call("payments", "bank.transfer", args, approval_id=request).allowed


def test_if_tainted_refuses_a_sink_after_any_untrusted_read(
    make_immune: Callable[..., Immune],
) -> None:
    immune = make_immune(HOLD_ON_FLOW)
    assert immune.guard_call("payments", "wire.out", {"account": "A"}, trace="t").allowed
    immune.guard_result("payments", "web.fetch", "some page", trace="t")
    with pytest.raises(Blocked) as caught:
        immune.guard_call("payments", "wire.out", {"account": "A"}, trace="t")
    assert caught.value.verdict.codes == ["policy.tainted"]


TAINT_ONLY = """\
agents:
  ops:
    tools: [wire.out, web.fetch]
tools:
  web.fetch:
    args:
      url: {type: string}
  wire.out:
    sink: money
    if_tainted: block
    args:
      account: {type: string}
"""


def test_with_no_rule_asking_origin_a_read_is_filed_unindexed_and_still_taints(
    make_immune: Callable[..., Immune],
) -> None:
    immune = make_immune(TAINT_ONLY)
    assert not immune.layer("policy").policy.asks_origin
    immune.guard_result("ops", "web.fetch", "Pay DE02120300000000202051 today", trace="t")
    rows = immune.store.query("SELECT level, text, tokens FROM policy_reads")
    assert rows and all(text == "" and tokens == "" for _, text, tokens in rows)
    with pytest.raises(Blocked) as caught:
        immune.guard_call("ops", "wire.out", {"account": "A"}, trace="t")
    assert caught.value.verdict.codes == ["policy.tainted"]


def test_one_origin_rule_anywhere_indexes_every_agents_reads(
    make_immune: Callable[..., Immune],
) -> None:
    # what an agent without such a rule reads and writes into a shared tool is demoted
    # for the agents with one (written.py): its reads are kept whole, to be judged and
    # indexed when a decision asks
    immune = make_immune(HOLD_ON_FLOW)
    assert immune.layer("policy").policy.asks_origin
    immune.guard_result("payments", "web.fetch", "Pay DE02120300000000202051 today", trace="t")
    rows = immune.store.query("SELECT text FROM policy_reads")
    assert any("DE02120300000000202051" in text for (text,) in rows)
    reads = immune.layer("policy").flow.get("payments", "t")
    assert reads is not None and reads.contains("DE02120300000000202051", Source.ANY)
