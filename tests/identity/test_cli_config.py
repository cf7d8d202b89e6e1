"""The identity CLI commands and the ``identity`` section of immuno.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immuno.cli import app
from immuno.core.config import parse_config
from immuno.core.errors import ConfigError
from immuno.core.pipeline import Immune
from immuno.identity import IdentityLayer

runner = CliRunner()


def test_config_section_defaults_and_errors() -> None:
    config = parse_config("identity:\n  drift:\n    window: 16\n")
    assert config.identity.require_signed is True
    assert config.identity.drift.window == 16
    with pytest.raises(ConfigError, match=r"line 2: identity\.replay_cach"):
        parse_config("identity:\n  replay_cach: memory\n")
    with pytest.raises(ConfigError, match=r"identity\.replay_cache"):
        parse_config("identity:\n  replay_cache: redis\n")
    with pytest.raises(ConfigError, match=r"identity\.drift\.window"):
        parse_config("identity:\n  drift:\n    window: 0\n")


def test_disabled_identity_builds_no_layer(tmp_path: Path) -> None:
    config = parse_config(f"store:\n  path: {tmp_path}/s.db\nidentity:\n  enabled: false\n")
    assert not any(isinstance(layer, IdentityLayer) for layer in Immune(config).layers)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "immuno.yaml").write_text(f"store:\n  path: {tmp_path}/immuno.db\n")
    return tmp_path


def run(workdir: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--config", str(workdir / "immuno.yaml")])
    assert result.exit_code == 0, result.output
    return result.output


def test_agents_register_list_rotate_revoke(workdir: Path) -> None:
    key = workdir / "planner.key"
    out = run(workdir, "agents", "register", "planner", "--role", "plan", "--out", str(key))
    assert "registered planner" in out
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert os.stat(key).st_mode & 0o077 == 0
    assert "planner" in run(workdir, "agents", "list")
    assert "rotated planner" in run(
        workdir, "agents", "rotate", "planner", "--out", str(workdir / "new.key")
    )
    assert "new baseline" in run(workdir, "agents", "rebaseline", "planner")
    assert "revoked planner" in run(workdir, "agents", "revoke", "planner")
    token = runner.invoke(
        app,
        ["token", "issue", "planner", "--audience", "gw", "--config", str(workdir / "immuno.yaml")],
    )
    assert token.exit_code != 0  # a revoked agent gets no token


def test_ca_init_and_issue(workdir: Path) -> None:
    assert "CA certificate" in run(workdir, "ca", "init")
    out = run(workdir, "ca", "issue", "planner", "--out", str(workdir / "certs"))
    assert "planner.pem" in out
    assert (workdir / "certs" / "planner.key").exists()
    assert "revoked 1" in run(workdir, "ca", "revoke", "planner")
