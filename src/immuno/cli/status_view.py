"""What ``immuno status`` shows: a one-line summary, then three sections with headings
(agent health, recent incidents, autoimmunity), each saying plainly when it is empty;
or all of it as one JSON document."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from immuno.cli.output import Col, table
from immuno.core.pipeline import Immune
from immuno.response import ResponseEngine
from immuno.response.ladder import Health

_STYLE = {
    Health.HEALTHY: "green",
    Health.WATCHED: "cyan",
    Health.THROTTLED: "yellow",
    Health.QUARANTINED: "bold red",
    Health.LOCKED: "bold white on red",
}
HEALTH_COLUMNS = (
    Col("agent"),
    Col("health", markup=True),
    Col("points", justify="right"),
    Col("since", drop=2),
    Col("exposed by"),
    Col("reason"),
)
INCIDENT_COLUMNS = (
    Col("incident", whole=True),
    Col("kind"),
    Col("severity"),
    Col("count", justify="right"),
    Col("last seen", drop=1),
    Col("agents"),
)
RATE_COLUMNS = (
    Col("layer"),
    Col("stopped or held", justify="right"),
    Col("false positives", justify="right"),
    Col("rate", justify="right", markup=True),
)


def when(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def _agents(raw: object) -> list[str]:
    try:
        found = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return [str(raw)]
    return [str(a) for a in found] if isinstance(found, list) else [str(found)]


def gather(immune: Immune, engine: ResponseEngine, incidents: int) -> dict[str, Any]:
    """Everything status reports, as plain data (the ``--json`` document)."""
    now = immune.clock()
    states = sorted(engine.states.values(), key=lambda s: (-s.health.rank, s.agent))
    return {
        "lockdown": engine.lockdown or None,
        "agents": [
            {
                "agent": s.agent,
                "health": s.health.value,
                "points": round(engine.ladder.decayed(s, now), 4),
                "since": s.since or None,
                "exposed_by": s.exposed_by,
                "hops": s.hops,
                "reason": s.reason or None,
            }
            for s in states
        ],
        "incidents": [
            {
                "id": ident,
                "kind": kind,
                "key": key,
                "severity": severity,
                "first_at": first,
                "last_at": last,
                "count": count,
                "agents": _agents(agents),
            }
            for ident, kind, key, severity, first, last, count, agents in (
                engine.threats.incidents_rows(incidents)
            )
        ],
        "autoimmunity": [
            {
                "layer": rate.layer,
                "stopped": rate.stopped,
                "false_positives": rate.false_positives,
                "rate": rate.rate,
            }
            for rate in immune.autoimmunity().values()
        ],
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary(report: dict[str, Any]) -> str:
    agents: Sequence[dict[str, Any]] = report["agents"]
    off = [a for a in agents if a["health"] != Health.HEALTHY.value]
    ladder = f"{_count(len(off), 'agent')} above healthy" if off else "every agent is healthy"
    lockdown = f"NETWORK LOCKDOWN ({report['lockdown']})" if report["lockdown"] else "no lockdown"
    shown = len(report["incidents"])
    return f"{ladder}; {_count(shown, 'recent incident')} listed; {lockdown}"


def render(report: dict[str, Any], console: Console) -> None:
    """The sections, each under its heading, each saying when it has nothing."""
    if report["lockdown"]:
        console.print(f"[bold white on red] NETWORK LOCKDOWN [/] {report['lockdown']}")
    console.print(summary(report), highlight=False)
    console.print("\n[bold]agent health[/]")
    if report["agents"]:
        rows = [
            (
                a["agent"],
                f"[{_STYLE[Health(a['health'])]}]{a['health']}[/]",
                f"{a['points']:.2f}",
                when(a["since"] or 0.0),
                f"{a['exposed_by']} ({a['hops']} hop)" if a["exposed_by"] else "-",
                a["reason"] or "-",
            )
            for a in report["agents"]
        ]
        console.print(table("", HEALTH_COLUMNS, rows, console))
    else:
        console.print("no agent has a health record: none has been charged, so all are healthy")
    console.print("\n[bold]recent incidents[/]")
    if report["incidents"]:
        rows = [
            (
                i["id"],
                i["kind"],
                i["severity"],
                str(i["count"]),
                when(i["last_at"]),
                ", ".join(i["agents"]),
            )
            for i in report["incidents"]
        ]
        console.print(table("", INCIDENT_COLUMNS, rows, console))
    else:
        console.print("no incident recorded")
    console.print("\n[bold]autoimmunity[/] (false positives confirmed by operators)")
    if report["autoimmunity"]:
        rates = []
        for r in report["autoimmunity"]:
            style = "bold red" if r["false_positives"] else "green"
            rate = f"[{style}]{r['rate']:.1%}[/]"
            rates.append((r["layer"], str(r["stopped"]), str(r["false_positives"]), rate))
        console.print(table("", RATE_COLUMNS, rates, console))
    else:
        console.print("autoimmunity: no layer has stopped or held a signal yet")
