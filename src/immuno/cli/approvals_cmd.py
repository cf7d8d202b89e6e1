"""``immuno approvals list | approve | deny``: the operator's side of held tool calls."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immuno import operator
from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.pipeline import Immune
from immuno.policy.approvals import Approval, Approvals
from immuno.store import open_store


def _book(config: ConfigOption) -> Approvals:
    return Approvals(open_store(load_config(config).store.location), time.time)


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _show(approval: Approval) -> str:
    return f"{approval.id} {approval.status}: {approval.agent} -> {approval.tool} {approval.args}"


def register(app: typer.Typer) -> None:
    approvals = typer.Typer(help="Tool calls held for an operator's approval.")
    app.add_typer(approvals, name="approvals")

    @approvals.command("list")
    def list_(
        status: Annotated[
            str | None, typer.Option(help="pending, approved, denied or used (default: all).")
        ] = "pending",
        limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
        config: ConfigOption = None,
    ) -> None:
        """List approval requests (pending ones by default; --status all for every one)."""
        rows = _book(config).list(None if status == "all" else status, limit)
        table = Table(title=f"approval requests ({status})")
        for column in ("id", "created", "status", "agent", "tool", "arguments", "reason"):
            table.add_column(column)
        for a in rows:
            table.add_row(a.id, _when(a.created), a.status, a.agent, a.tool, a.args, a.reason)
        Console().print(table)

    @approvals.command("approve")
    def approve(
        request: Annotated[str, typer.Argument(help="The request id (verdict.approval_id).")],
        by: Annotated[str, typer.Option(help="Who approves.")] = "operator",
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
        config: ConfigOption = None,
    ) -> None:
        """Approve a held call: it may then run once, with exactly these arguments.

        An approval is an operator outcome: the hold was a false positive of the layers
        that held the call, counted in their autoimmunity rate (``immuno status``)."""
        immune = Immune(load_config(config))
        try:
            approved, remark = operator.approve(immune, request, by, note)
            if remark is not None:
                typer.echo(f"note: {remark}", err=True)
            typer.echo(_show(approved))
        finally:
            immune.close()

    @approvals.command("deny")
    def deny(
        request: Annotated[str, typer.Argument(help="The request id.")],
        by: Annotated[str, typer.Option(help="Who denies.")] = "operator",
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
        config: ConfigOption = None,
    ) -> None:
        """Deny a held call: presenting this request id will be refused."""
        typer.echo(_show(_book(config).deny(request, by, note)))
