"""``immuno memory ...``: the quarantine of guarded memory, and its integrity."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.pipeline import Immune
from immuno.memory import GuardedMemory, Record

memory_app = typer.Typer(help="Guarded memory: quarantined writes and integrity.")
_PREVIEW = 60


def _memory(config: ConfigOption) -> GuardedMemory:
    return GuardedMemory(Immune(load_config(config)))


def _table(title: str, records: list[Record]) -> Table:
    table = Table(title=title)
    for column in ("id", "namespace", "key", "value", "provenance", "writer", "trace"):
        table.add_column(column)
    for r in records:
        value = r.value if len(r.value) <= _PREVIEW else r.value[:_PREVIEW] + "…"
        table.add_row(
            str(r.id), r.namespace, r.key, value, r.provenance.value, r.agent, r.trace or "-"
        )
    return table


@memory_app.command("pending")
def pending(
    namespace: Annotated[str | None, typer.Option(help="Only this namespace.")] = None,
    config: ConfigOption = None,
) -> None:
    """List writes waiting in quarantine."""
    records = _memory(config).pending(namespace)
    Console().print(_table("quarantined writes", records) if records else "nothing pending")


@memory_app.command("show")
def show(
    namespace: Annotated[str, typer.Argument(help="The namespace (usually an agent).")],
    config: ConfigOption = None,
) -> None:
    """Show the committed records of a namespace."""
    Console().print(_table(f"committed memory of {namespace}", _memory(config).current(namespace)))


@memory_app.command("commit")
def commit(
    record: Annotated[int, typer.Argument(help="The id of the quarantined write.")],
    by: Annotated[str, typer.Option("--by", help="Who approves it.")] = "operator",
    config: ConfigOption = None,
) -> None:
    """Commit a quarantined write to memory."""
    done = _memory(config).commit(record, by)
    typer.echo(f"committed {done.namespace}/{done.key} (record {done.id})")


@memory_app.command("reject")
def reject(
    record: Annotated[int, typer.Argument(help="The id of the quarantined write.")],
    by: Annotated[str, typer.Option("--by", help="Who rejects it.")] = "operator",
    config: ConfigOption = None,
) -> None:
    """Reject a quarantined write; it never reaches memory."""
    done = _memory(config).reject(record, by)
    typer.echo(f"rejected record {done.id}")


@memory_app.command("verify")
def verify(config: ConfigOption = None) -> None:
    """Recompute the integrity chain of committed memory (exit 2 if it was tampered with)."""
    length = _memory(config).verify()
    typer.echo(f"memory chain intact: {length} entries")


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
