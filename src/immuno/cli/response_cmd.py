"""``immuno status | release | lockdown | snapshot | restore``: the health ladder."""

from __future__ import annotations

from typing import Annotated

import typer

from immuno.cli import status_view
from immuno.cli.options import ConfigOption
from immuno.cli.output import JsonOption, console, print_json
from immuno.cli.stores import existing_immune
from immuno.core.errors import ConfigError
from immuno.core.pipeline import Immune
from immuno.response import ResponseEngine, restore, snapshot
from immuno.response.snapshots import listing

OperatorOption = Annotated[str, typer.Option("--by", help="Who is acting (for the record).")]


def _open(config: ConfigOption) -> tuple[Immune, ResponseEngine]:
    immune = existing_immune(config)
    try:
        engine = immune.layer("response")
    except KeyError:
        raise ConfigError("response.enabled", "the response layer is disabled") from None
    engine.threats  # noqa: B018  (load the persisted state)
    return immune, engine


def register(app: typer.Typer) -> None:
    @app.command()
    def status(
        config: ConfigOption = None,
        incidents: Annotated[
            int, typer.Option(min=0, help="How many recent incidents to list.")
        ] = 10,
        as_json: JsonOption = False,
    ) -> None:
        """Show every agent's place on the health ladder, recent incidents, and the
        autoimmunity rate of each layer."""
        immune, engine = _open(config)
        report = status_view.gather(immune, engine, incidents)
        if as_json:
            print_json(report)
            return
        status_view.render(report, console())

    @app.command()
    def release(
        agent: Annotated[str, typer.Argument(help="The agent to bring back to healthy.")],
        by: OperatorOption = "operator",
        config: ConfigOption = None,
    ) -> None:
        """Release a quarantined or locked agent (and clear exposure it caused, if clean)."""
        _immune, engine = _open(config)
        cleared = engine.release(agent, by)
        typer.echo(f"{agent} released; exposure cleared for: {', '.join(cleared) or 'none'}")

    @app.command()
    def lockdown(
        lift: Annotated[
            bool, typer.Option("--lift", help="Lift the network-wide lockdown.")
        ] = False,
        by: OperatorOption = "operator",
        config: ConfigOption = None,
    ) -> None:
        """Lift a network-wide lockdown (the response layer enters it on its own)."""
        _immune, engine = _open(config)
        if not lift:
            typer.echo(f"lockdown: {engine.lockdown or 'off'}")
            return
        engine.lift_lockdown(by)
        typer.echo("network lockdown lifted")

    @app.command("snapshot")
    def snapshot_cmd(
        agent: Annotated[str | None, typer.Argument(help="The agent to snapshot.")] = None,
        key_version: Annotated[
            str | None, typer.Option(help="The agent's current key version (opaque).")
        ] = None,
        label: Annotated[str, typer.Option(help="A note to find it by.")] = "",
        as_json: Annotated[
            bool, typer.Option("--json", help="Without AGENT: the list as one JSON document.")
        ] = False,
        config: ConfigOption = None,
    ) -> None:
        """Snapshot an agent's memory, health and key version; without AGENT, list them."""
        immune, _engine = _open(config)
        if agent is None:
            found = listing(immune)
            if as_json:
                keys = ("id", "agent", "at", "label")
                print_json([dict(zip(keys, row, strict=True)) for row in found])
                return
            for ident, who, at, note in found:
                typer.echo(f"{ident}  {who}  {status_view.when(at)}  {note}")
            if not found:
                typer.echo("no snapshot yet")
            return
        snap = snapshot(immune, agent, key_version=key_version, label=label)
        typer.echo(f"snapshot {snap.id}: {agent}, {len(snap.memory)} records, {snap.health.health}")

    @app.command("restore")
    def restore_cmd(
        snapshot_id: Annotated[str, typer.Argument(help="The snapshot to go back to.")],
        by: OperatorOption = "operator",
        config: ConfigOption = None,
    ) -> None:
        """Restore an agent's memory and health exactly as they were in a snapshot."""
        immune, _engine = _open(config)
        snap = restore(immune, snapshot_id, by=by)
        typer.echo(
            f"restored {snap.agent} to snapshot {snap.id}: {len(snap.memory)} records, "
            f"{snap.health.health.value}; key version at snapshot: {snap.key_version or '-'}"
        )
