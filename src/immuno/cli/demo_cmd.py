"""``immuno demo``: the simulated network, attacked without and with immuno."""

from __future__ import annotations

import contextlib
import os

import msgspec
import typer
from rich.console import Console

from immuno.audit import AuditLog, open_log, verify_store
from immuno.cli.audit_cmd import head_text
from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, table
from immuno.core.config import Config, load_config
from immuno.core.pipeline import Immune
from immuno.core.signal import Signal, SignalKind
from immuno.demo import NOT_DEFENDED, run_all
from immuno.demo.manifest import with_manifest
from immuno.store import open_store


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(config: ConfigOption = None) -> None:
        """Attack a simulated agent network, unprotected and protected, and compare."""
        console = Console()
        if not console.is_terminal and not os.environ.get("COLUMNS"):
            console = Console(width=140)  # piped or captured, no width asked for
        settings = with_manifest(load_config(config))
        console.print(
            "[bold]immuno demo[/] - a [bold yellow]SIMULATION[/]: scripted agents (planner, "
            "researcher, payments) that obey any instruction they read. No model is called.\n"
            f"store: {Immune(settings).store.location}"  # opened now: fail early if unusable
        )
        audit = open_log(Immune(settings)) if settings.audit.enabled else None
        first_seq = audit.size if audit is not None else 0
        with console.status("running attacks..."):
            # Each attack meets a fresh network: no health state or memory carried over.
            rows = run_all(lambda: _fresh(settings, audit))
        columns = (
            Col("attack", markup=True),
            Col("unprotected", markup=True),
            Col("protected by immuno", markup=True),
            Col("stopped by", markup=True),
            Col(f"detect score\n(blocks at {settings.thresholds.block:.2f})", "right", drop=1),
            Col("checks", "right", drop=3),
            Col("µs per check\n(median)", "right", drop=2),
        )
        cells = [
            (
                f"[bold]{row.attack.name}[/]\n[dim]{row.attack.story}[/]",
                _outcome(row.unprotected.compromised, row.unprotected.detail),
                _outcome(row.protected.compromised, row.protected.detail),
                f"[yellow]{row.stopped_by}[/]"
                if row.stopped_by == NOT_DEFENDED
                else row.stopped_by,
                f"{row.detect_score:.2f}",
                str(row.checks),
                f"{row.median_us:.0f}",
            )
            for row in rows
        ]
        title = "attacks on the simulated network"
        console.print(table(title, columns, cells, console, show_lines=True))
        defended = sum(not row.protected.compromised for row in rows)
        console.print(f"{defended} of {len(rows)} attacks stopped.")
        if audit is not None:
            head = audit.sign_head()
            report = verify_store(audit.store, audit.authority.public_bytes)
            console.print(
                f"\naudit log verified: decisions {first_seq}..{report.size - 1} of this run "
                f"sealed before they took effect; all {report.size} entries and "
                f"{report.heads} signed tree head(s) check out.",
                highlight=False,
            )
            console.print(head_text(head), highlight=False, overflow="fold")


_WARM = "Opening hours: Monday to Friday, 9:00 to 17:00. Closed on public holidays."


def _fresh(settings: Config, audit: AuditLog | None) -> Immune:
    """A pipeline whose state (health, memory, keys) lives in its own in-memory store,
    so no attack inherits another's, while every decision is sealed in the one audit
    log of the working directory's store."""
    unsealed = msgspec.structs.replace(
        settings, audit=msgspec.structs.replace(settings.audit, enabled=False)
    )
    immune = Immune(unsealed, store=open_store(":memory:"), sealer=audit)
    with contextlib.suppress(KeyError):  # the response layer may be disabled
        immune.layer("response").open()
    # One harmless check first, so the table shows steady-state cost, not first-use
    # costs (regex automata, prepared statements) that a running service pays once.
    immune.check(
        Signal(kind=SignalKind.TOOL_RESULT, agent="demo-warmup", tool="web.fetch", content=_WARM)
    )
    return immune


def _outcome(compromised: bool, detail: str) -> str:
    return f"[red]compromised[/]: {detail}" if compromised else f"[green]safe[/]: {detail}"
