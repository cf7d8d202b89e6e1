"""Running ``immuno redteam`` in process (``entry.run``: the real exit status), and
small runs of the families against a configuration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from immuno.cli import app, entry
from immuno.core.config import Config, parse_config
from immuno.redteam import runner

# A run of a tenth of the cases: every technique of every family still takes part.
SCALE = 0.1


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    code = entry.run(app, ["redteam", *args])
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def scores(config: Config, families: Sequence[str]) -> dict[str, runner.Score]:
    ran = runner.run(config, list(families), scale=SCALE)
    return {score.name: score for score in ran}


def config_of(yaml: str) -> Config:
    return parse_config(yaml)
