"""Every command's error path: one line on stderr naming what is wrong, exit status 2,
and nothing created where no store was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Populated, Run

# Commands that read, or act on records that must already exist: never a new store.
NEEDS_A_STORE = [
    ["status"],
    ["status", "--json"],
    ["release", "x"],
    ["lockdown"],
    ["lockdown", "--lift"],
    ["snapshot"],
    ["snapshot", "b"],
    ["restore", "x"],
    ["audit", "verify"],
    ["audit", "tail"],
    ["audit", "head"],
    ["audit", "export"],
    ["audit", "prove", "0"],
    ["quarantine", "list"],
    ["quarantine", "show", "x"],
    ["quarantine", "release", "x"],
    ["quarantine", "release", "x", "--false-positive"],
    ["quarantine", "purge", "x"],
    ["approvals", "list"],
    ["approvals", "approve", "x"],
    ["approvals", "deny", "x"],
    ["agents", "list"],
    ["agents", "rotate", "x"],
    ["agents", "revoke", "x"],
    ["agents", "rebaseline", "x"],
    ["token", "issue", "x", "--audience", "a"],
    ["token", "revoke", "x"],
    ["ca", "issue", "x"],
    ["ca", "revoke", "x"],
    ["memory", "pending"],
    ["memory", "show", "x"],
    ["memory", "commit", "1"],
    ["memory", "reject", "1"],
    ["memory", "verify"],
    ["policy", "written"],
    ["policy", "forget", "x"],
]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("args", NEEDS_A_STORE, ids=" ".join)
def test_no_store_is_exit_2_and_nothing_is_created(
    args: list[str], cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*args)
    assert code == 2
    assert "no store yet at .immuno/immuno.db" in one_line(err)
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_a_configured_store_that_is_missing_is_named(cli: Run, tmp_path: Path) -> None:
    config = tmp_path / "immuno.yaml"
    config.write_text(f"store:\n  path: {tmp_path / 'elsewhere' / 'x.db'}\n")
    code, _, err = cli("quarantine", "list", "--config", str(config))
    assert code == 2 and f"no store yet at {tmp_path / 'elsewhere' / 'x.db'}" in one_line(err)
    assert not (tmp_path / "elsewhere").exists()


# (arguments, words the one line must hold), against a store that exists.
BAD_INPUT = [
    (["approvals", "approve", "nope"], "no approval request 'nope'"),
    (["approvals", "deny", "nope"], "no approval request 'nope'"),
    (["approvals", "list", "--status", "bogus"], "must be one of pending"),
    (["quarantine", "show", "q_nope"], "no quarantined content with id 'q_nope'"),
    (["quarantine", "purge", "q_nope"], "no quarantined content with id 'q_nope'"),
    (["quarantine", "purge"], "exactly one of an id or --older-than-days"),
    (["quarantine", "list", "--status", "bogus"], "--status: must be one of held"),
    (["memory", "commit", "99"], "no memory record 99"),
    (["memory", "reject", "99"], "no memory record 99"),
    (["release", "nobody"], "no health record for 'nobody'"),
    (["restore", "nope"], "no snapshot 'nope'"),
    (["agents", "rotate", "nobody"], "'nobody' is not registered"),
    (["agents", "register", "x", "--alg", "rot13"], "--alg: must be one of ed25519"),
    (["token", "issue", "nobody", "--audience", "a"], "not an active registered agent"),
    (["token", "revoke", "not-a-token"], "not an immuno token"),
    (["ca", "issue", "planner"], "run `immuno ca init`"),
    (["policy", "forget", "nothing"], "not a remembered written-back value"),
    (["audit", "prove", "99"], "seq: no entry 99 in the audit log (entries: 0..5)"),
    (["audit", "verify", "--public-key", "zz"], "--public-key: must be 64 hex digits"),
    (["audit", "verify", "--head", "missing.json"], "--head: cannot read missing.json"),
    (["audit", "export", "--out", "/nonexistent/x.jsonl"], "--out: cannot write"),
]


@pytest.mark.parametrize(("args", "words"), BAD_INPUT, ids=lambda v: str(v))
def test_bad_input_against_a_store_is_one_line_and_exit_2(
    args: list[str], words: str, populated: Populated, cli: Run
) -> None:
    code, _, err = cli(*args, "--config", str(populated.config))
    assert code == 2
    assert words in one_line(err)


BAD_FILES = [
    (["scan", "missing.jsonl"], "missing.jsonl: cannot open: No such file"),
    (["scan", "--threshold", "2"], "--threshold: must be in (0, 1]"),
    (["check", "missing.json"], "missing.json: cannot read: No such file"),
    (["vaccinate", "missing.txt"], "missing.txt: cannot read: No such file"),
    (["policy", "check", "missing.yaml"], "missing.yaml: cannot read manifest"),
    (["policy", "explain", "a", "t"], "--manifest: no manifest given"),
    (["demo", "--config", "missing.yaml"], "missing.yaml: cannot read: No such file"),
    (["status", "--config", "missing.yaml"], "missing.yaml: cannot read: No such file"),
    (["init", "/nonexistent/dir/immuno.yaml"], "cannot write: No such file"),
    (["serve", "--workers", "0"], "--workers: must be at least 1"),
]


@pytest.mark.parametrize(("args", "words"), BAD_FILES, ids=lambda v: str(v))
def test_bad_files_and_values_are_one_line_and_exit_2(
    args: list[str], words: str, cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*args)
    assert code == 2
    assert words in one_line(err)
    assert not (tmp_path / ".immuno").exists()  # failed before opening anything


USAGE = [
    (["nope"], "No such command 'nope'"),
    (["audit", "tail", "--bogus"], "immuno audit tail: No such option: --bogus"),
    (["audit", "tail", "-n", "0"], "'-n'"),
    (["audit", "prove"], "Missing argument 'seq'"),
    (["audit", "prove", "x"], "Invalid value for 'seq'"),
    (["approvals", "list", "--limit", "0"], "'--limit'"),
    (["status", "--incidents", "-1"], "'--incidents'"),
]


@pytest.mark.parametrize(("args", "words"), USAGE, ids=lambda v: str(v))
def test_usage_errors_are_one_line_and_exit_2(args: list[str], words: str, cli: Run) -> None:
    code, _, err = cli(*args)
    assert code == 2
    line = one_line(err)
    assert words in line and "--help" in line


def test_check_on_empty_input_names_it(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty.json").write_text("\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("check", "empty.json")
    assert code == 2 and "empty.json: empty: expected one signal" in one_line(err)


def test_an_unknown_signal_field_lists_the_fields(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "signal.json").write_text('{"kind": "message", "agent": "a", "text": "hi"}')
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("check", "signal.json")
    assert code == 2
    assert "text: unknown field; a signal has: kind, agent, content," in one_line(err)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "immuno", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["init"], "immuno.yaml: exists; pass --force to overwrite it"),
        (["status"], "no store yet at .immuno/immuno.db"),
        (["audit", "tail", "--bogus"], "No such option: --bogus"),
        (["check"], "stdin: empty: expected one signal"),
    ],
)
def test_as_a_real_process(args: list[str], words: str, tmp_path: Path) -> None:
    (tmp_path / "immuno.yaml").write_text("")
    done = run(args, tmp_path)
    assert done.returncode == 2
    assert words in one_line(done.stderr)
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["immuno.yaml"]


def test_no_arguments_prints_the_help(cli: Run) -> None:
    code, out, _ = cli()
    assert code == 0 and "Usage: immuno" in out and "quarantine" in out


def test_a_group_without_a_command_prints_its_help_once(cli: Run) -> None:
    code, out, _ = cli("audit")
    assert code == 0 and out.count("Usage: immuno audit") == 1
