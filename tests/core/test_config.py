from __future__ import annotations

from pathlib import Path

import pytest

from immuno import Config, ConfigError, load_config, parse_config


def test_empty_document_is_the_strict_default() -> None:
    assert parse_config("") == Config()
    assert parse_config("# only comments\n") == Config()


def test_values_are_read() -> None:
    config = parse_config("thresholds:\n  flag: 0.3\n  block: 0.7\nstore:\n  path: x.db\n")
    assert config.thresholds.flag == 0.3
    assert config.thresholds.block == 0.7
    assert config.store.path == "x.db"


@pytest.mark.parametrize(
    ("document", "where", "problem"),
    [
        ("thresholds:\n  flag: high\n", "line 2: thresholds.flag", "Expected `float`"),
        ("store:\n  pth: x\n", "line 2: store.pth", "unknown key"),
        ("colour: red\n", "line 1: colour", "unknown key"),
        ("detect:\n  packs:\n    - builtin\n    - 7\n", "line 4: detect.packs[1]", "`str`"),
        ("thresholds:\n  flag: 0.9\n  block: 0.5\n", "thresholds", "must not exceed"),
        ("thresholds:\n  block: 1.5\n", "thresholds.block", "must be in (0, 1]"),
        ("- a\n- b\n", "cfg.yaml", "top level must be a mapping"),
        ("store: [\n", "cfg.yaml, line", "not valid YAML"),
    ],
)
def test_errors_name_file_line_and_key(document: str, where: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(document, "cfg.yaml")
    message = str(caught.value)
    assert message.startswith("cfg.yaml")
    assert where in message
    assert problem in message


def test_load_config_reads_a_file_and_reports_missing_ones(tmp_path: Path) -> None:
    path = tmp_path / "immuno.yaml"
    path.write_text("thresholds:\n  block: 0.9\n")
    assert load_config(path).thresholds.block == 0.9
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_load_config_defaults_without_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()
