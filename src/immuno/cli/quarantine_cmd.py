"""``immuno quarantine list|show|release|purge``: content detect kept aside."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import msgspec
import typer

from immuno import operator
from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, print_table
from immuno.cli.stores import existing_immune, existing_store
from immuno.core.config import load_config
from immuno.core.errors import InputError
from immuno.detect.quarantine import Quarantine

COLUMNS = (
    Col("id", whole=True),
    Col("when (UTC)", drop=2),
    Col("agent"),
    Col("kind", drop=2),
    Col("action"),
    Col("score", justify="right"),
    Col("status"),
    Col("text"),
)
_PREVIEW = 50


def _open(config: ConfigOption) -> Quarantine:
    return Quarantine(existing_store(load_config(config)))


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Content held by detect: list, show, release, purge.")
    app.add_typer(group, name="quarantine")

    @group.command("list")
    def list_(
        status: Annotated[
            str | None, typer.Option(help="held, flagged or released (default: all).")
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """List quarantined content, newest first (--json: with full content and reasons)."""
        items = _open(config).list(status, limit)
        if as_json:
            print_json(items)
            return
        rows = [
            (
                item.id,
                _when(item.at),
                item.agent,
                item.kind,
                item.action,
                f"{item.score:.2f}",
                item.status,
                item.content[:_PREVIEW].replace("\n", " "),
            )
            for item in items
        ]
        out = console()
        title = f"quarantine ({len(items)} shown)"
        empty = "nothing in quarantine" + (f" with status {status}" if status else "")
        print_table(out, title, COLUMNS, rows, empty)

    @group.command()
    def show(
        ident: Annotated[str, typer.Argument(help="Quarantine id.")], config: ConfigOption = None
    ) -> None:
        """Print one item as JSON, with its reasons and full content."""
        typer.echo(msgspec.json.format(msgspec.json.encode(_open(config).get(ident))).decode())

    @group.command()
    def release(
        ident: Annotated[str, typer.Argument(help="Quarantine id.")],
        false_positive: Annotated[
            bool,
            typer.Option(
                "--false-positive",
                help="The content was benign: count it against the layers that held it.",
            ),
        ] = False,
        by: Annotated[str, typer.Option("--by", help="Who releases (for the record).")] = (
            "operator"
        ),
        config: ConfigOption = None,
    ) -> None:
        """Release an item (an operator's decision) and print its content for delivery."""
        immune = existing_immune(config)
        try:
            released = operator.release(immune, ident, false_positive=false_positive, by=by)
            typer.echo(released.content)
        finally:
            immune.close()

    @group.command()
    def purge(
        ident: Annotated[str | None, typer.Argument(help="Quarantine id.")] = None,
        older_than_days: Annotated[
            float | None, typer.Option(help="Purge every item older than this.")
        ] = None,
        config: ConfigOption = None,
    ) -> None:
        """Delete one item, or every item older than --older-than-days."""
        if (ident is None) == (older_than_days is None):
            raise InputError("purge", "give exactly one of an id or --older-than-days")
        before = None if older_than_days is None else time.time() - older_than_days * 86400
        count = _open(config).purge(ident, before=before)
        if ident is not None and not count:
            raise InputError("id", f"no quarantined content with id {ident!r}")
        typer.echo(f"purged {count} item(s)")
