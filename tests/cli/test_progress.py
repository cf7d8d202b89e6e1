"""Progress bars: on stderr only when it is a terminal; stdout is the same either way."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from immuno.cli import progress
from tests.cli.conftest import Populated, Run


def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Make the bars' console a terminal writing into the returned buffer."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    monkeypatch.setattr(progress, "stderr_console", lambda: console)
    return screen


def test_audit_export_is_the_same_with_and_without_a_terminal(
    cli: Run, populated: Populated, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(populated.config)
    assert cli("audit", "export", "--config", config)[0] == 0  # signs a head for the tail
    code, piped, err = cli("audit", "export", "--config", config)
    assert code == 0 and err == ""
    lines = [json.loads(line) for line in piped.splitlines()]
    assert "format" in lines[0] and [line["seq"] for line in lines[1:7]] == list(range(6))
    screen = terminal(monkeypatch)
    code, shown, err = cli("audit", "export", "--config", config)
    assert code == 0 and shown == piped and err == ""
    assert "exporting the audit log" in screen.getvalue()


def test_audit_verify_draws_a_bar_only_on_a_terminal(
    cli: Run, populated: Populated, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(populated.config)
    code, piped, err = cli("audit", "verify", "--config", config)
    assert code == 0 and "6 entries recomputed" in piped and err == ""
    screen = terminal(monkeypatch)
    code, shown, _ = cli("audit", "verify", "--config", config)
    assert code == 0 and shown == piped
    assert "verifying the audit log" in screen.getvalue()


def test_scan_of_a_file_draws_a_bar_only_on_a_terminal(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = [json.dumps({"id": str(i), "text": f"hello {i}", "source": "user"}) for i in range(5)]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    code, piped, err = cli("scan", "in.jsonl")
    assert code == 0 and err == ""
    assert [json.loads(line)["id"] for line in piped.splitlines()] == [str(i) for i in range(5)]
    screen = terminal(monkeypatch)
    code, shown, err = cli("scan", "in.jsonl")
    assert code == 0 and err == ""
    assert [json.loads(line)["id"] for line in shown.splitlines()] == [str(i) for i in range(5)]
    assert "scanning in.jsonl" in screen.getvalue()


def test_without_a_terminal_the_tracker_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr_console", lambda: Console(file=screen))
    with progress.progress("work", 10) as bar:
        bar.advance(5)
        bar.at(10, 10)
    assert type(bar) is progress.Tracker and screen.getvalue() == ""
