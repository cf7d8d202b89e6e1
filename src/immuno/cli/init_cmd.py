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
  # The shipped classifier (`builtin`, or a file built by training/train_classifier.py).
  classifier: true
  model: builtin
  # Per-agent anomaly statistics; they count after `anomaly_warmup` texts.
  anomaly: true
  anomaly_warmup: 20
  # Share of a vaccine's shingles a text must contain to count as a variant of it.
  vaccine_threshold: 0.6
  # Keep flagged and stopped content in the store (`immuno quarantine list`).
  quarantine: true

policy:
  enabled: true
  # Agent manifests (YAML): agents, roles, tools, argument constraints, data-flow
  # rules, approvals. With none listed every tool call is refused (default deny);
  # text scanning works without one. Check a manifest: `immuno policy check FILE`.
  manifests: []
  # What each agent has read is remembered per trace for the data-flow rules.
  trace_ttl: 3600    # seconds a quiet trace is kept
  trace_items: 512   # reads kept per trace
  traces: 10000      # traces kept at once
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
