"""``immuno init``: write a commented ``immuno.yaml`` to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from immuno.core.config import DEFAULT_CONFIG_FILE, parse_config

TEMPLATE = """\
# immuno configuration. Every key is optional: an empty file is the strict default.
# Unknown keys are errors, so a typo never silently weakens protection.

store:
  # The embedded SQLite store; every command uses this file unless told otherwise.
  path: .immuno/immuno.db

thresholds:
  # Scores are in [0, 1]. At or above `flag` a signal is delivered but recorded;
  # at or above `block` it is refused.
  flag: 0.5
  block: 0.8

detect:
  enabled: true
  # Signature packs: `builtin`, or paths to your own YAML packs.
  packs: [builtin]

audit:
  # Every decision is sealed into a Merkle log before the caller acts on it.
  enabled: true
  # Keep signal content in clear (default: only its SHA-256 is logged).
  store_content: false
  # Sign a tree head every N entries or T seconds, whichever comes first.
  head_every: 1000
  head_interval: 60
  # normal: survives a process crash; full: fsync per commit, survives power loss.
  durability: normal
"""


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        path: Annotated[Path, typer.Argument(help="Where to write.")] = Path(DEFAULT_CONFIG_FILE),
        force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a commented immuno.yaml with the strict defaults."""
        if path.exists() and not force:
            typer.echo(f"{path} exists; pass --force to overwrite it", err=True)
            raise typer.Exit(1)
        parse_config(TEMPLATE, str(path))  # the template must always be valid
        path.write_text(TEMPLATE, encoding="utf-8")
        typer.echo(f"wrote {path}")
