"""``immuno redteam``: the command runs, its JSON, table, scorecard and errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from immuno.cli import progress
from immuno.gateway.ui import scorecard
from immuno.redteam import runner
from tests.dashboard.conftest import Desk
from tests.redteam.conftest import run_cli

FEW = "impersonation,mcp-tools,data-flow"


def test_a_run_writes_json_html_and_a_scorecard_the_dashboard_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    out, page = tmp_path / "card" / "scorecard.json", tmp_path / "report.html"
    ran = run_cli(capsys, "--families", FEW, "--json", "--out", str(out), "--html", str(page))
    assert ran.code == 0, ran.err
    report = json.loads(ran.out)
    names = [family["name"] for family in report["families"]]
    assert names == ["impersonation", "data flow", "mcp tools"]
    for family in report["families"]:
        assert 0 <= family["stopped"] <= family["attacks"] and family["attacks"] > 0
        assert 0 <= family["passed"] <= family["benign"] and family["benign"] > 0
        assert 0 < family["latency_us"]["median"] <= family["latency_us"]["p99"]
        assert sum(t["attacks"] for t in family["techniques"].values()) == family["attacks"]
    assert report["seconds"] > 0 and "own templates" in report["notes"]
    assert not (tmp_path / ".immuno").exists()  # a throwaway store, nothing left behind
    card = scorecard.load(out)  # the dashboard's own reader accepts it
    assert card is not None and card.attacks == report["attacks"]
    assert [f.name for f in card.families] == names
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    desk = Desk(tmp_path / "desk")
    try:
        monkeypatch.setenv(scorecard.ENV, str(out))
        shown = desk.client.get("/ui/redteam", headers=desk.bearer()).text
    finally:
        desk.close()
    assert f"{card.stopped} of {card.attacks}" in shown and "mcp tools" in shown


def test_the_table_fits_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    ran = run_cli(capsys, "--families", "direct-injection-obfuscated,impersonation")
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any("direct injection," in line and "%" in line for line in lines)
    assert any("identity.unsigned" in line for line in lines)


def test_a_configured_store_is_used_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "immuno.yaml").write_text("store: {path: state/immuno.db}\n")
    ran = run_cli(capsys, "--families", "impersonation", "--json")
    assert ran.code == 0, ran.err
    assert "writing to the configured store state/immuno.db" in ran.err
    assert (tmp_path / "state" / "immuno.db").exists()
    assert json.loads(ran.out)["store"] == "state/immuno.db"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--families", "phishing"], "unknown family 'phishing'"),
        (["--families", ","], "--families: names no family"),
        (["--config", "missing.yaml"], "missing.yaml"),
        (["--colour"], "--colour"),
        (["--out", "."], "--out: . is a folder"),
        (["--html", "immuno.yaml/report.html"], "--html: "),
    ],
)
def test_bad_options_exit_2_naming_what_is_wrong(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "immuno.yaml").write_text("{}\n")
    ran = run_cli(capsys, *args)
    assert ran.code == 2 and named in ran.err, ran.err
    assert ran.out == ""


def test_a_bad_config_key_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "immuno.yaml").write_text("detect: {enabeld: false}\n")
    ran = run_cli(capsys, "--families", "impersonation")
    assert ran.code == 2 and "enabeld" in ran.err


def test_the_progress_bar_goes_to_stderr_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    piped = run_cli(capsys, "--families", "mcp-tools", "--json")
    screen = io.StringIO()
    bar = Console(file=screen, force_terminal=True, width=80)
    monkeypatch.setattr(progress, "stderr_console", lambda: bar)
    shown = run_cli(capsys, "--families", "mcp-tools", "--json")
    assert piped.code == shown.code == 0 and piped.err == shown.err == ""
    assert "red team: attacking" in screen.getvalue()
    assert json.loads(shown.out)["families"][0]["name"] == "mcp tools"


def test_short_and_full_family_names() -> None:
    assert runner.parse_families("mcp-tools, data flow") == ["data flow", "mcp tools"]
    assert runner.parse_families(None) == list(runner.NAMES)
