"""``immuno demo``: the simulated network, attacked without and with immuno."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.pipeline import Immune
from immuno.demo import NOT_DEFENDED, run_all
from immuno.demo.manifest import with_manifest


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(config: ConfigOption = None) -> None:
        """Attack a simulated agent network, unprotected and protected, and compare."""
        console = Console()
        if not console.is_terminal:  # piped or captured: no terminal width to respect
            console = Console(width=140)
        settings = with_manifest(load_config(config))
        console.print(
            "[bold]immuno demo[/] - a [bold yellow]SIMULATION[/]: scripted agents (planner, "
            "researcher, payments) that obey any instruction they read. No model is called.\n"
            f"store: {Immune(settings).store.location}"  # opened now: fail early if unusable
        )
        with console.status("running attacks..."):
            rows = run_all(lambda: Immune(settings))
        table = Table(title="attacks on the simulated network", show_lines=True)
        table.add_column("attack", style="bold", min_width=22)
        table.add_column("unprotected")
        table.add_column("protected by immuno")
        table.add_column("stopped by")
        table.add_column("checks", justify="right")
        table.add_column("added µs/check\n(median)", justify="right")
        for row in rows:
            table.add_row(
                f"{row.attack.name}\n[dim]{row.attack.story}[/]",
                _outcome(row.unprotected.compromised, row.unprotected.detail),
                _outcome(row.protected.compromised, row.protected.detail),
                f"[yellow]{row.stopped_by}[/]"
                if row.stopped_by == NOT_DEFENDED
                else row.stopped_by,
                str(row.checks),
                f"{row.median_us:.0f}",
            )
        console.print(table)
        defended = sum(not row.protected.compromised for row in rows)
        console.print(f"{defended} of {len(rows)} attacks stopped.")


def _outcome(compromised: bool, detail: str) -> str:
    return f"[red]compromised[/]: {detail}" if compromised else f"[green]safe[/]: {detail}"
