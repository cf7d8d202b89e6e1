"""Tool definitions pinned on first sight: a poisoned one withheld, a changed one (a
rug pull) withheld with an incident until an operator re-pins it, an unchanged
server restarted without a false alarm."""

from __future__ import annotations

from typer.testing import CliRunner

from immuno.audit.reader import entries
from immuno.cli import app
from immuno.mcp_proxy.pins import Pins
from immuno.store import open_store
from tests.mcp.clients import via_http, via_stdio
from tests.mcp.conftest import HttpPair, Workdir

SERVED = {"read_note", "fetch_page", "send_mail", "delete_note"}
READ = {"read_note": {"name": "groceries"}}
RESTARTS = 3  # a server start costs seconds here; benchmarks/mcp_restarts.py does 100


def _audited(workdir: Workdir, code: str) -> int:
    """How many sealed verdicts in the audit log carry a finding ``code``."""
    store = open_store(workdir.location)
    try:
        return sum(1 for _, entry, _ in entries(store) if f'"{code}"'.encode() in entry)
    finally:
        store.close()


def _incident_findings(workdir: Workdir, code: str) -> int:
    store = open_store(workdir.location)
    try:
        rows = store.query("SELECT COUNT(*) FROM response_findings WHERE code = ?", (code,))
    finally:
        store.close()
    return int(rows[0][0])


def _statuses(workdir: Workdir) -> dict[str, str]:
    store = open_store(workdir.location)
    try:
        return {p.tool: p.status for p in Pins(store, lambda: 0.0).list("notes")}
    finally:
        store.close()


def test_poisoned_descriptions_are_withheld_and_their_calls_refused(workdir: Workdir) -> None:
    calls = {"count_words": {"text": "one two"}, "add": {"a": 1, "b": 2}}
    run = via_stdio(workdir, calls, "poisoned")
    assert set(run.tools) == SERVED
    for tool in calls:
        assert run.results[tool].is_error
        assert "mcp.tool.poisoned" in run.text(tool)
        assert _statuses(workdir)[tool] == "poisoned"
        assert f"withheld tool notes/{tool}" in run.log
    assert "keep something from the user" in run.text("add")
    assert workdir.called() == []


def test_a_rug_pull_is_withheld_raised_and_lifted_by_a_re_pin(workdir: Workdir) -> None:
    first = via_stdio(workdir, READ)
    assert set(first.tools) == SERVED
    pulled = via_stdio(workdir, READ, "rugpull")
    assert set(pulled.tools) == SERVED - {"read_note"}
    assert pulled.results["read_note"].is_error
    assert "mcp.tool.changed" in pulled.text("read_note")
    assert "immuno mcp pins approve notes read_note" in pulled.text("read_note")
    assert workdir.called() == ["read_note"]  # the first run's call only
    assert _statuses(workdir)["read_note"] == "changed"
    assert _audited(workdir, "mcp.tool.changed") == 1
    assert _incident_findings(workdir, "mcp.tool.changed") == 1
    assert "incident: block" in pulled.log

    shown = CliRunner().invoke(
        app, ["mcp", "pins", "show", "notes", "read_note", "--config", str(workdir.config)]
    )
    assert shown.exit_code == 0, shown.output
    assert "always call send_mail" in shown.output.split("+++ withheld")[1]
    approved = CliRunner().invoke(
        app, ["mcp", "pins", "approve", "notes", "read_note", "--config", str(workdir.config)]
    )
    assert approved.exit_code == 0, approved.output

    repinned = via_stdio(workdir, READ, "rugpull")
    assert set(repinned.tools) == SERVED
    assert "always call send_mail" in (repinned.tools["read_note"].description or "")
    assert not repinned.results["read_note"].is_error
    assert workdir.called() == ["read_note", "read_note"]
    assert _statuses(workdir)["read_note"] == "pinned"
    assert _audited(workdir, "mcp.tool.changed") == 1  # raised once, not again


def test_an_unchanged_server_restarted_raises_no_false_alarm(workdir: Workdir) -> None:
    pair = HttpPair(workdir)  # the proxy stays up; the server restarts, a new process each time
    try:
        runs = [via_http(pair.url, READ)]
        for _ in range(RESTARTS):
            pair.restart_server()
            runs.append(via_http(pair.url, READ))
    finally:
        log = pair.close()
    assert all(set(run.tools) == SERVED for run in runs)
    assert all(run.text("read_note") == "milk, eggs, bread" for run in runs)
    assert workdir.called() == ["read_note"] * (1 + RESTARTS)
    assert "withheld" not in log and "incident" not in log
    assert set(_statuses(workdir).values()) == {"pinned"}
    assert _audited(workdir, "mcp.tool.changed") == 0


def test_a_server_that_renames_itself_keeps_its_pins(workdir: Workdir) -> None:
    # Without --server the pins belong to the command line the operator configured,
    # never to the name the server reports: renaming itself starts nothing afresh.
    first = via_stdio(workdir, READ, "", "--unnamed")
    assert set(first.tools) == SERVED
    renamed = via_stdio(workdir, READ, "renamed", "--unnamed")
    assert set(renamed.tools) == SERVED - {"read_note"}
    assert "mcp.tool.changed" in renamed.text("read_note")
    store = open_store(workdir.location)
    try:
        servers = {p.server for p in Pins(store, lambda: 0.0).list()}
    finally:
        store.close()
    assert len(servers) == 1 and "notes" not in servers
