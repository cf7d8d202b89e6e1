"""`immuno sandbox check`, driven as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

IMMUNO = [sys.executable, "-m", "immuno", "sandbox", "check"]


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*IMMUNO, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


@pytest.mark.needs_sandbox
def test_a_host_that_can_sandbox(tmp_path: Path) -> None:
    done = check(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["supported"] is True and report["missing"] == []
    names = {c["name"]: c for c in report["checks"]}
    for required in (
        "bwrap",
        "user and mount namespaces",
        "network namespace",
        "seccomp",
        "tracer",
    ):
        assert names[required]["ok"] and names[required]["required"]
    assert "not used" in names["cgroup"]["detail"]
    text = check(tmp_path)
    assert text.returncode == 0 and "=> supported" in text.stdout


def test_a_host_without_bubblewrap(tmp_path: Path) -> None:
    (tmp_path / "immuno.yaml").write_text("sandbox: {bwrap: /nonexistent/bwrap}\n")
    done = check(tmp_path, "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["supported"] is False
    assert report["missing"] == [
        "bwrap: /nonexistent/bwrap is not an executable (apt-get install bubblewrap)"
    ]
    text = check(tmp_path)
    assert text.returncode == 1 and "=> NOT supported: sandboxed tools are refused" in text.stdout
    (tmp_path / "immuno.yaml").write_text(
        "sandbox: {bwrap: /nonexistent/bwrap, unsafe_run_unsandboxed: true}\n"
    )
    unsafe = check(tmp_path)
    assert unsafe.returncode == 1 and "run WITHOUT a sandbox" in unsafe.stdout


def test_a_bad_configuration_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "immuno.yaml").write_text("sandbox:\n  unsafe: true\n")
    done = check(tmp_path)
    assert done.returncode == 2
    assert "immuno.yaml, line 2: sandbox.unsafe: unknown key" in done.stderr


def test_the_group_alone_prints_its_help(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "immuno", "sandbox"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.count("Usage: immuno sandbox") == 1
    assert "check" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no store made
