"""Sandboxed tools through the SDK: the call is checked, the tool runs in its sandbox,
its output is checked as an untrusted tool result, and the verdict is sealed with the
sandbox's outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from immuno import Blocked, ConfigError, Excised, Immune, parse_config
from immuno.audit.entry import decode_entry
from immuno.audit.reader import entry_at
from immuno.sandbox import ToolFailed
from tests.sandbox import tools

pytestmark = pytest.mark.needs_sandbox

MANIFEST = """
agents:
  analyst: {tools: [data.count, report.echo, tool.sleep, tool.write, tool.fail]}
tools:
  data.count:
    args: {name: {type: string, enum: [a.csv, b.csv]}}
    sandbox:
      paths: {read: [FOLDER]}
  report.echo:
    args: {text: {type: string}}
    sandbox: {}
  tool.sleep:
    args: {seconds: {type: number}}
    sandbox: {limits: {wall_seconds: 1}}
  tool.write:
    args: {path: {type: string}, text: {type: string}}
    sandbox: {paths: {write: [FOLDER]}}
  tool.fail:
    args: {path: {type: string}}
"""


def make_immune(tmp_path: Path, folder: Path, sandbox: str = "") -> Immune:
    manifest = tmp_path / "agents.yaml"
    manifest.write_text(MANIFEST.replace("FOLDER", str(folder)))
    config = parse_config(
        f"store: {{path: {tmp_path / '.immuno' / 'immuno.db'}}}\n"
        "detect: {classifier: false}\n"
        f"policy: {{manifests: [{manifest}]}}\n{sandbox}"
    )
    return Immune(config)


@pytest.fixture
def immune(tmp_path: Path, folder: Path) -> Iterator[Immune]:
    instance = make_immune(tmp_path, folder)
    yield instance
    instance.close()


def sealed_codes(immune: Immune, seq: int | None) -> list[str]:
    assert seq is not None
    entry = decode_entry(entry_at(immune.store, seq))
    return [f.code for f in entry.verdict.findings]


def test_a_command_runs_and_its_outcome_is_sealed(immune: Immune, folder: Path) -> None:
    (folder / "a.csv").write_text("x\ny\nz\n")
    run = immune.run_sandboxed(
        "analyst", "data.count", ["wc", "-l", str(folder / "a.csv")], {"name": "a.csv"}
    )
    assert run.exit_code == 0 and run.text.startswith("3 ")
    assert run.verdict.allowed
    assert sealed_codes(immune, run.verdict.seq) == ["sandbox.outcome"]
    assert "data.count: exit 0" in run.verdict.findings[0].message


def test_a_refused_call_never_runs(immune: Immune, folder: Path) -> None:
    with pytest.raises(Blocked, match=r"policy\.arg_invalid"):
        immune.run_sandboxed(
            "analyst", "data.count", ["touch", str(folder / "ran")], {"name": "c.csv"}
        )
    assert not (folder / "ran").exists()


def test_a_decorated_tool_runs_sandboxed(immune: Immune, folder: Path) -> None:
    write = immune.tool(agent="analyst", name="tool.write", sandboxed=True)(tools.write_file)
    assert write(path=str(folder / "out.txt"), text="hello") == f"wrote {folder / 'out.txt'}"
    assert (folder / "out.txt").read_text() == "hello"
    with pytest.raises(Blocked, match=r"sandbox\.denied\.path"):
        write(path="/etc/planted", text="x")  # writable only inside FOLDER


def test_an_injection_in_the_output_meets_detection(immune: Immune, folder: Path) -> None:
    echo = immune.tool(agent="analyst", name="report.echo", sandboxed=True)(tools.recipe)
    cut = echo(text="pancakes")
    assert cut.startswith("Great recipe for pancakes!") and "[removed by immuno" in cut
    assert "wire" not in cut
    page = folder / "a.csv"
    page.write_text(tools.recipe("waffles"))
    with pytest.raises(Excised) as stopped:
        immune.run_sandboxed("analyst", "data.count", ["cat", str(page)], {"name": "a.csv"})
    assert {"sandbox.outcome", "excised"} <= set(stopped.value.verdict.codes)


def test_a_killed_tool_is_blocked_and_the_kill_sealed(immune: Immune) -> None:
    sleep = immune.tool(agent="analyst", name="tool.sleep", sandboxed=True)(tools.sleep)
    with pytest.raises(Blocked) as refused:
        sleep(seconds=30)
    verdict = refused.value.verdict
    assert "sandbox.killed.wall" in verdict.codes
    assert "over its limit of 1 seconds of wall time" in verdict.explain()
    assert "sandbox.killed.wall" in sealed_codes(immune, verdict.seq)


def test_a_tool_that_raises_is_reported(immune: Immune, tmp_path: Path) -> None:
    fail = immune.tool(agent="analyst", name="tool.fail", sandboxed=True)(tools.read_file)
    with pytest.raises(ToolFailed, match="FileNotFoundError"):
        fail(path="/no/such/file")


def test_no_bubblewrap_means_refused(tmp_path: Path, folder: Path) -> None:
    immune = make_immune(tmp_path, folder, "sandbox: {bwrap: /nonexistent/bwrap}\n")
    try:
        with pytest.raises(Blocked, match=r"sandbox\.unavailable") as refused:
            immune.run_sandboxed(
                "analyst", "report.echo", ["touch", str(folder / "ran")], {"text": "x"}
            )
        assert "bwrap" in refused.value.verdict.explain()
        assert "sandbox.unavailable" in sealed_codes(immune, refused.value.verdict.seq)
        assert not (folder / "ran").exists()
    finally:
        immune.close()


def test_the_unsafe_option_runs_unsandboxed_and_says_so(
    tmp_path: Path, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unsafe = "sandbox: {bwrap: /nonexistent/bwrap, unsafe_run_unsandboxed: true}\n"
    with caplog.at_level(logging.WARNING, logger="immuno.sandbox"):
        immune = make_immune(tmp_path, folder, unsafe)
    try:
        assert "unsafe_run_unsandboxed" in caplog.text  # at start
        run = immune.run_sandboxed("analyst", "report.echo", ["echo", "ran"], {"text": "x"})
        assert run.text == "ran\n"
        assert "sandbox.unsandboxed" in sealed_codes(immune, run.verdict.seq)
    finally:
        immune.close()


def test_only_plain_module_level_functions_are_sandboxed(immune: Immune) -> None:
    async def fetch(url: str) -> str:
        await asyncio.sleep(0)
        return url

    def local(text: str) -> str:
        return text

    with pytest.raises(ConfigError, match="not async"):
        immune.tool(agent="analyst", name="report.echo", sandboxed=True)(fetch)
    guarded = immune.tool(agent="analyst", name="report.echo", sandboxed=True)(local)
    with pytest.raises(ConfigError, match="module-level function"):
        guarded(text="x")


def test_immunos_secrets_are_hidden_even_inside_a_declared_path(
    tmp_path: Path, folder: Path
) -> None:
    passphrase = folder / "passphrase.txt"
    passphrase.write_text("correct horse battery staple")
    immune = make_immune(tmp_path, folder, f"identity: {{passphrase_file: {passphrase}}}\n")
    try:
        run = immune.run_sandboxed(
            "analyst", "data.count", ["cat", str(passphrase)], {"name": "a.csv"}
        )
        assert run.exit_code == 0 and run.text == ""  # an empty file in its place
        listing = immune.run_sandboxed(
            "analyst", "data.count", ["ls", "-A", str(tmp_path / ".immuno")], {"name": "a.csv"}
        )
        assert listing.exit_code != 0  # the store's folder is not under FOLDER: not there
    finally:
        immune.close()
