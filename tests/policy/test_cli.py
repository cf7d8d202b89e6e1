from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from policy_fixtures import BASIC
from typer.testing import CliRunner

from immuno import ConfigError
from immuno.cli import app
from immuno.demo.manifest import MANIFEST
from immuno.policy import Source, WrittenValues
from immuno.store.sqlite import SQLiteStore


def test_policy_check_summarises_a_valid_manifest() -> None:
    result = CliRunner().invoke(app, ["policy", "check", str(MANIFEST)])
    assert result.exit_code == 0, result.output
    assert "ok: 3 agents" in result.output
    assert "bank.transfer" in result.output


def test_policy_check_names_the_line_of_an_error(write: Callable[[str, str], Path]) -> None:
    path = write("tools:\n  t:\n    approval: maybe\n", "bad.yaml")
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception).startswith(f"{path}, line 3: tools.t.approval")


def test_policy_check_warns_about_unguarded_sinks(write: Callable[[str, str], Path]) -> None:
    path = write("agents:\n  a:\n    tools: [rm]\ntools:\n  rm:\n    sink: deletion\n", "w.yaml")
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert "rm: a deletion sink with no data-flow rule" in result.output


def test_policy_explain_walks_the_decision(write: Callable[[str, str], Path]) -> None:
    path = write(BASIC, "m.yaml")
    base = ["policy", "explain", "payments", "bank.transfer", "--manifest", str(path)]
    args = ["--args", '{"account": "DE89-3704-0044-0532", "amount": 12}']
    denied = CliRunner().invoke(app, [*base, *args, "--read", "clean:DE89-3704-0044-0532"])
    assert denied.exit_code == 1
    assert "holds bank.transfer (via role payer)" in denied.output
    assert "appears only in untrusted content" in denied.output
    assert denied.output.rstrip().endswith("=> block")
    allowed = CliRunner().invoke(app, [*base, *args, "--read", "trusted:DE89-3704-0044-0532"])
    assert allowed.exit_code == 0, allowed.output
    assert "found in trusted reads" in allowed.output


def test_written_back_values_are_listed_and_forgotten(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "immuno.db")
    book = WrittenValues(store, time.time)
    book.remember({"xk0512120123": Source.CLEAN}, "crm", "clerk", "crm.update", "t1")
    store.close()
    config = tmp_path / "immuno.yaml"
    config.write_text(f"store:\n  path: {tmp_path / 'immuno.db'}\n")
    runner = CliRunner()
    listed = runner.invoke(app, ["policy", "written", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    assert "xk0512120123" in listed.output and "crm.update" in listed.output
    forgot = runner.invoke(app, ["policy", "forget", "XK0512120123", "--config", str(config)])
    assert forgot.exit_code == 0, forgot.output
    again = runner.invoke(app, ["policy", "forget", "XK0512120123", "--config", str(config)])
    assert "not a remembered written-back value" in str(again.exception)


def test_a_long_manifest_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nagents: {}\ntools:\n  t.read:\n    outsider_fields: [description]\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "immuno", "policy", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "60", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "bad.yaml, line 5: tools.t.read.outsider_fields" in lines[0]
