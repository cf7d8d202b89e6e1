"""``immuno incidents list|show|confirm|false-positive``: the operator's verdict on an
incident (confirmed: its payload becomes a vaccine; or a false positive)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from immuno import operator
from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.pipeline import Immune
from immuno.response.incidents import MAX_PAGE, IncidentBook, IncidentRow
from immuno.store import open_store

ByOption = Annotated[str, typer.Option("--by", help="Who decides (for the record).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _status(incident: IncidentRow) -> str:
    return incident.decision.decision.replace("_", " ") if incident.decision else "open"


def _json(value: object) -> None:
    typer.echo(msgspec.json.format(msgspec.json.encode(value)).decode())


def _decided(result: operator.IncidentDecided) -> None:
    decision = result.decision
    seal = f"sealed as audit entry {decision.seq}" if decision.seq is not None else "not sealed"
    if decision.decision == "confirmed":
        for payload in result.vaccinated:
            typer.echo(
                f"vaccinated from {payload.source} ({payload.signal_id}): "
                f"{payload.text.strip()[:60]!r}"
            )
        for missing in result.missing:
            typer.echo(
                f"not recoverable: {missing.sha256[:12]} ({missing.signal_id}): {missing.reason}"
            )
        for skipped in result.skipped:
            typer.echo(f"not a usable vaccine: {skipped}")
        made = ", ".join(decision.vaccines) or "none"
        typer.echo(f"{decision.incident} confirmed by {decision.by}; vaccines: {made}; {seal}")
        return
    typer.echo(
        f"{decision.incident} recorded as a false positive by {decision.by}: {decision.counted}"
        f" stopped signal(s) charged to the layers that stopped them, {result.flagged_only}"
        f" only flagged (not in the rate), {result.already} already counted; {seal}. Agent"
        " health is unchanged (immuno release AGENT)"
    )


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Correlated incidents: list, show, confirm, false-positive.")
    app.add_typer(group, name="incidents")

    @group.command("list")
    def list_(
        limit: Annotated[int, typer.Option(help=f"At most this many (1..{MAX_PAGE}).")] = 50,
        offset: Annotated[int, typer.Option(help="Skip this many, newest first.")] = 0,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """List incidents, most recently seen first, with the operator's decision."""
        rows = IncidentBook(open_store(load_config(config).store.location)).page(limit, offset)
        if as_json:
            _json({"incidents": rows})
            return
        table = Table(title=f"incidents ({len(rows)} shown)")
        for column in ("incident", "kind", "severity", "count", "last seen (UTC)", "agents"):
            table.add_column(column, no_wrap=column == "incident")
        table.add_column("status")
        for row in rows:
            table.add_row(
                row.id,
                row.kind,
                row.severity,
                str(row.count),
                _when(row.last_at),
                escape(", ".join(row.agents)),
                _status(row),
            )
        Console().print(table if rows else "no incidents")

    @group.command()
    def show(
        ident: Annotated[str, typer.Argument(help="Incident id (inc-...).")],
        limit: Annotated[int, typer.Option(help="Timeline entries to show.")] = 50,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """Show one incident: what it is, its decision, and its timeline of findings."""
        book = IncidentBook(open_store(load_config(config).store.location))
        incident = book.get(ident)
        timeline = book.timeline(incident, limit=limit)
        if as_json:
            _json({"incident": incident, "timeline": timeline})
            return
        console = Console()
        console.print(
            f"{incident.id}: {incident.kind} incident, {incident.severity}, {incident.count}"
            f" finding(s), agents {escape(', '.join(incident.agents))}; {_status(incident)}",
            highlight=False,
        )
        table = Table(title="timeline")
        for column in ("when (UTC)", "signal", "agent", "finding", "severity"):
            table.add_column(column)
        for row in timeline:
            table.add_row(
                _when(row.at),
                row.signal_id,
                escape(row.agent),
                f"{row.layer}/{row.code}",
                row.severity,
            )
        console.print(table)

    @group.command()
    def confirm(
        ident: Annotated[str, typer.Argument(help="Incident id (inc-...).")],
        by: ByOption = "operator",
        note: NoteOption = None,
        without_vaccine: Annotated[
            bool,
            typer.Option(
                "--without-vaccine",
                help="Record the confirmation even when no payload can be recovered.",
            ),
        ] = False,
        config: ConfigOption = None,
    ) -> None:
        """Confirm an incident as an attack: its payload becomes a vaccine (audited)."""
        immune = Immune(load_config(config))
        try:
            _decided(
                operator.confirm_incident(immune, ident, by, note, without_vaccine=without_vaccine)
            )
        finally:
            immune.close()

    @group.command("false-positive")
    def false_positive(
        ident: Annotated[str, typer.Argument(help="Incident id (inc-...).")],
        by: ByOption = "operator",
        note: NoteOption = None,
        config: ConfigOption = None,
    ) -> None:
        """Record an incident as a false positive, counted in the autoimmunity rate."""
        immune = Immune(load_config(config))
        try:
            _decided(operator.incident_false_positive(immune, ident, by, note))
        finally:
            immune.close()
