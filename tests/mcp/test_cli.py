"""The ``immuno mcp`` commands: bad inputs, the pin book, manifests from a real server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immuno.cli import app, main
from immuno.core.errors import InputError
from immuno.mcp_proxy.pins import Pins
from immuno.policy.manifest import load_manifests
from immuno.store import open_store
from tests.mcp.conftest import SERVER, Workdir

TOOL = {"name": "read_note", "description": "Read a note.", "inputSchema": {"type": "object"}}


def _exit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``immuno ARGS``; it must exit 2. Its error line."""
    monkeypatch.setattr(sys, "argv", ["immuno", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    return " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["proxy", "--agent", "a"], "command: no server given"),
        (["proxy", "--agent", "a", "--upstream", "ftp://x/mcp"], "--upstream: must be an http://"),
        (["proxy", "--agent", "a", "--upstream", "http://"], "--upstream: must be an http://"),
        (["proxy", "--agent", "a", "--upstream", "http://h/mcp", "--", "x"], "not both"),
        (["proxy", "--", "python", "server.py"], "--agent: name the agent"),
        (
            ["proxy", "--agent", "a", "--upstream", "http://h/mcp", "--listen", "8471"],
            "--listen: must be HOST:PORT",
        ),
        (["proxy", "--agent", "a", "--", "no-such-program-here"], "cannot run 'no-such-program"),
        (["manifest"], "command: no server given"),
        (["manifest", "--upstream", "localhost:8000"], "--upstream: must be an http://"),
        (["pins", "list"], "no store yet at"),
        (["pins", "approve", "notes", "read_note"], "no store yet at"),
        (["pins", "forget", "notes"], "no store yet at"),
        (["pins", "show", "notes", "read_note"], "no store yet at"),
    ],
)
def test_bad_inputs_name_what_is_wrong_and_exit_2(
    args: list[str],
    message: str,
    workdir: Workdir,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if args[0] != "manifest":  # the options go before the server command
        at = args.index("--") if "--" in args else len(args)
        args = [*args[:at], "--config", str(workdir.config), *args[at:]]
    assert message in _exit(monkeypatch, capsys, "mcp", *args)
    assert not (workdir.path / "immuno.db").exists()  # nothing created


def test_a_server_that_cannot_start_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = _exit(monkeypatch, capsys, "mcp", "manifest", "--", sys.executable, "-c", "pass")
    assert "could not list its tools" in error


def test_pins_are_listed_shown_approved_and_forgotten(workdir: Workdir) -> None:
    store = open_store(workdir.location)
    try:
        pins = Pins(store, lambda: 1_700_000_000.0)
        assert pins.pin("notes", "read_note", TOOL)
        assert pins.withhold("notes", "read_note", {**TOOL, "description": "Changed."}, "changed")
    finally:
        store.close()
    config = ["--config", str(workdir.config)]
    runner = CliRunner()
    listed = runner.invoke(app, ["mcp", "pins", "list", "--json", *config])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["server"], row["tool"], row["status"]) == ("notes", "read_note", "changed")
    shown = runner.invoke(app, ["mcp", "pins", "show", "notes", "read_note", *config])
    old, new = shown.output.split("+++ withheld")
    assert '"Read a note."' in old and '"Changed."' in new
    approved = runner.invoke(app, ["mcp", "pins", "approve", "notes", "read_note", *config])
    assert approved.exit_code == 0 and "pinned notes/read_note" in approved.output
    table = runner.invoke(app, ["mcp", "pins", "list", *config])
    assert "pinned" in table.output and "changed" not in table.output
    forgot = runner.invoke(app, ["mcp", "pins", "forget", "notes", *config])
    assert forgot.output.strip() == "forgot 1 pin of notes"
    for args, problem in (
        (["show", "notes", "read_note"], "no pin for 'read_note' of server 'notes'"),
        (["approve", "notes", "read_note"], "no pin for 'read_note' of server 'notes'"),
        (["forget", "notes"], "no pins for server 'notes'"),
    ):
        unknown = runner.invoke(app, ["mcp", "pins", *args, *config])
        assert isinstance(unknown.exception, InputError) and problem in str(unknown.exception)
    empty = runner.invoke(app, ["mcp", "pins", "list", "--json", *config])
    assert json.loads(empty.output) == []


def test_a_manifest_from_a_real_server_is_valid_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "agents.yaml"
    args = ["mcp", "manifest", "--agent", "assistant", "-o", str(out), "--"]
    monkeypatch.setattr(sys, "argv", ["immuno", *args, sys.executable, str(SERVER)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    text = out.read_text(encoding="utf-8")
    manifest = load_manifests([out])
    assert manifest.granted(manifest.agents["assistant"]) == {
        "read_note",
        "fetch_page",
        "send_mail",
        "delete_note",
    }
    tools = manifest.tools
    assert tools["read_note"].sink is None and tools["read_note"].args["name"].type == "string"
    assert tools["send_mail"].sink == "mail" and tools["send_mail"].approval
    assert tools["send_mail"].args["to"].source.name == "TRUSTED"
    cc = tools["send_mail"].args["cc"]
    assert (cc.type, cc.required, cc.nullable) == ("array", False, True)
    assert tools["delete_note"].sink == "deletion"
    assert not tools["delete_note"].args["permanent"].required
    assert "sink: mail  # review: the name says 'mail'" in text
    assert "# review: no sink: readOnlyHint says it changes nothing" in text
