"""``immuno incidents list|show|confirm|false-positive``: the operator's verdict on an
incident (confirmed: its payload becomes a vaccine; or a false positive)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.text import Text

from immuno import operator
from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, print_table
from immuno.cli.stores import existing_immune, existing_store
from immuno.core.config import load_config
from immuno.response.incidents import MAX_PAGE, IncidentBook, IncidentRow

ByOption = Annotated[str, typer.Option("--by", help="Who decides (for the record).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")]
COLUMNS = (
    Col("incident", whole=True),
    Col("kind"),
    Col("severity", drop=2),
    Col("count", justify="right"),
    Col("last seen (UTC)", drop=1),
    Col("agents", drop=3),
    Col("status"),
)
TIMELINE = (
    Col("when (UTC)", drop=1),
    Col("signal", whole=True),
    Col("agent"),
    Col("finding"),
    Col("severity", drop=2),
)


def _book(config: ConfigOption) -> IncidentBook:
    return IncidentBook(existing_store(load_config(config)))


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _status(incident: IncidentRow) -> str:
    return incident.decision.decision.replace("_", " ") if incident.decision else "open"


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
        rows = _book(config).page(limit, offset)
        if as_json:
            print_json(rows)
            return
        cells = [
            (
                r.id,
                r.kind,
                r.severity,
                str(r.count),
                _when(r.last_at),
                ", ".join(r.agents),
                _status(r),
            )
            for r in rows
        ]
        print_table(console(), f"incidents ({len(rows)} shown)", COLUMNS, cells, "no incidents")

    @group.command()
    def show(
        ident: Annotated[str, typer.Argument(help="Incident id (inc-...).")],
        limit: Annotated[int, typer.Option(help="Timeline entries to show.")] = 50,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """Show one incident: what it is, its decision, and its timeline of findings."""
        book = _book(config)
        incident = book.get(ident)
        timeline = book.timeline(incident, limit=limit)
        if as_json:
            print_json({"incident": incident, "timeline": timeline})
            return
        out = console()
        out.print(
            Text(
                f"{incident.id}: {incident.kind} incident, {incident.severity},"
                f" {incident.count} finding(s), agents {', '.join(incident.agents)};"
                f" {_status(incident)}"
            )
        )
        cells = [
            (_when(r.at), r.signal_id, r.agent, f"{r.layer}/{r.code}", r.severity) for r in timeline
        ]
        print_table(out, "timeline", TIMELINE, cells, "no findings recorded")

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
        immune = existing_immune(config)
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
        immune = existing_immune(config)
        try:
            _decided(operator.incident_false_positive(immune, ident, by, note))
        finally:
            immune.close()
