from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from immuno import __version__, load_config
from immuno.cli.init_cmd import TEMPLATE
from immuno.core.config import parse_config

IMMUNO = [sys.executable, "-m", "immuno"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(IMMUNO + args, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_init_writes_a_valid_commented_config_and_keeps_existing_ones(tmp_path: Path) -> None:
    assert run(["init"], tmp_path).returncode == 0
    written = tmp_path / "immuno.yaml"
    assert written.read_text() == TEMPLATE
    assert "#" in TEMPLATE
    assert load_config(written) == parse_config("")  # the template is the strict default
    written.write_text("thresholds:\n  block: 0.9\n")
    refused = run(["init"], tmp_path)
    assert refused.returncode == 2
    assert "exists" in refused.stderr
    assert written.read_text() == "thresholds:\n  block: 0.9\n"
    assert run(["init", "--force"], tmp_path).returncode == 0
    assert written.read_text() == TEMPLATE


def test_version() -> None:
    result = run(["--version"], Path.cwd())
    assert result.stdout.strip() == f"immuno {__version__}"


def test_a_bad_config_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "immuno.yaml").write_text("thresholds:\n  flagg: 0.2\n")
    result = run(["demo"], tmp_path)
    assert result.returncode == 2
    assert "immuno.yaml, line 2: thresholds.flagg: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_runs_and_uses_the_working_directory_store(tmp_path: Path) -> None:
    result = run(["demo"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SIMULATION" in result.stdout
    assert "tool-output" in result.stdout  # the first attack (wrapped on a narrow console)
    assert (tmp_path / ".immuno" / "immuno.db").exists()
