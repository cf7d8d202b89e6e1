"""``immuno status | release | lockdown | snapshot | restore``: the health ladder."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.errors import ConfigError
from immuno.core.pipeline import Immune
from immuno.response import ResponseEngine, restore, snapshot
from immuno.response.ladder import Health
from immuno.response.snapshots import listing

_STYLE = {
    Health.HEALTHY: "green",
    Health.WATCHED: "cyan",
    Health.THROTTLED: "yellow",
    Health.QUARANTINED: "bold red",
    Health.LOCKED: "bold white on red",
}
OperatorOption = Annotated[str, typer.Option("--by", help="Who is acting (for the record).")]


def _open(config: ConfigOption) -> tuple[Immune, ResponseEngine]:
    immune = Immune(load_config(config))
    try:
        engine = immune.layer("response")
    except KeyError:
        raise ConfigError("response.enabled", "the response layer is disabled") from None
    engine.threats  # noqa: B018  (load the persisted state)
    return immune, engine


def _when(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def autoimmunity_table(immune: Immune) -> Table | str:
    """Per layer: signals stopped or held, and how many operators found benign."""
    rates = immune.autoimmunity()
    if not rates:
        return "autoimmunity: no layer has stopped or held a signal yet"
    table = Table(title="autoimmunity (false positives confirmed by operators)")
    table.add_column("layer")
    for column in ("stopped or held", "false positives", "rate"):
        table.add_column(column, justify="right")
    for rate in rates.values():
        style = "bold red" if rate.false_positives else "green"
        table.add_row(
            rate.layer,
            str(rate.stopped),
            str(rate.false_positives),
            f"[{style}]{rate.rate:.1%}[/]",
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def status(
        config: ConfigOption = None,
        incidents: Annotated[int, typer.Option(help="How many recent incidents to list.")] = 10,
    ) -> None:
        """Show every agent's place on the health ladder, and recent incidents."""
        immune, engine = _open(config)
        console = Console()
        if engine.lockdown:
            console.print(f"[bold white on red] NETWORK LOCKDOWN [/] {engine.lockdown}")
        table = Table(title="agent health")
        for column in ("agent", "health", "points", "since", "exposed by", "reason"):
            table.add_column(column)
        now = immune.clock()
        for state in sorted(engine.states.values(), key=lambda s: (-s.health.rank, s.agent)):
            table.add_row(
                state.agent,
                f"[{_STYLE[state.health]}]{state.health.value}[/]",
                f"{engine.ladder.decayed(state, now):.2f}",
                _when(state.since),
                f"{state.exposed_by} ({state.hops} hop)" if state.exposed_by else "-",
                state.reason or "-",
            )
        console.print(table if engine.states else "no agent has a health record yet")
        console.print(autoimmunity_table(immune))
        rows = engine.threats.incidents_rows(incidents)
        if rows:
            found = Table(title="recent incidents")
            for column in ("incident", "kind", "severity", "count", "last seen", "agents"):
                found.add_column(column)
            for ident, kind, _key, severity, _first, last, count, agents in rows:
                found.add_row(ident, kind, severity, str(count), _when(last), agents)
            console.print(found)

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
        config: ConfigOption = None,
    ) -> None:
        """Snapshot an agent's memory, health and key version; without AGENT, list them."""
        immune, _engine = _open(config)
        if agent is None:
            for ident, who, at, note in listing(immune):
                typer.echo(f"{ident}  {who}  {_when(at)}  {note}")
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
