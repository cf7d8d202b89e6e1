"""``immuno memory ...``: the quarantine of guarded memory, and its integrity."""

from __future__ import annotations

from typing import Annotated

import typer

from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, table
from immuno.cli.stores import existing_immune
from immuno.memory import GuardedMemory, MemoryTampered, Record

memory_app = typer.Typer(help="Guarded memory: quarantined writes and integrity.")
_PREVIEW = 60
COLUMNS = (
    Col("id", justify="right"),
    Col("namespace"),
    Col("key"),
    Col("value"),
    Col("provenance", drop=2),
    Col("writer"),
    Col("trace", drop=3),
)


def _memory(config: ConfigOption) -> GuardedMemory:
    return GuardedMemory(existing_immune(config))


def _show(title: str, records: list[Record], as_json: bool, empty: str) -> None:
    if as_json:
        print_json(records)
        return
    out = console()
    if not records:
        out.print(empty)
        return
    rows = [
        (
            str(r.id),
            r.namespace,
            r.key,
            r.value if len(r.value) <= _PREVIEW else r.value[:_PREVIEW] + "…",
            r.provenance.value,
            r.agent,
            r.trace or "-",
        )
        for r in records
    ]
    out.print(table(title, COLUMNS, rows, out))


@memory_app.command("pending")
def pending(
    namespace: Annotated[str | None, typer.Option(help="Only this namespace.")] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """List writes waiting in quarantine."""
    _show("quarantined writes", _memory(config).pending(namespace), as_json, "nothing pending")


@memory_app.command("show")
def show(
    namespace: Annotated[str, typer.Argument(help="The namespace (usually an agent).")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Show the committed records of a namespace."""
    records = _memory(config).current(namespace)
    empty = f"no committed memory in {namespace!r}"
    _show(f"committed memory of {namespace}", records, as_json, empty)


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
    """Recompute the integrity chain of committed memory (exit 1 if it was tampered with)."""
    try:
        length = _memory(config).verify()
    except MemoryTampered as exc:
        typer.echo(f"TAMPERED: {exc}")
        raise typer.Exit(1) from None
    typer.echo(f"memory chain intact: {length} entries")


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
