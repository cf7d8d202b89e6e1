"""``immuno approvals list | approve | deny``: the operator's side of held tool calls."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from immuno import operator
from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, print_table
from immuno.cli.stores import existing_immune, existing_store
from immuno.core.config import load_config
from immuno.policy.approvals import Approval, Approvals

COLUMNS = (
    Col("id", whole=True),
    Col("created", drop=2),
    Col("status"),
    Col("agent"),
    Col("tool"),
    Col("arguments"),
    Col("reason", drop=3),
)


def _book(config: ConfigOption) -> Approvals:
    return Approvals(existing_store(load_config(config)), time.time)


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
            str | None, typer.Option(help="pending (default), approved, denied, used, or all.")
        ] = "pending",
        limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """List approval requests (pending ones by default; --status all for every one)."""
        rows = _book(config).list(None if status == "all" else status, limit)
        if as_json:
            print_json(rows)
            return
        out = console()
        cells = [
            (a.id, _when(a.created), a.status, a.agent, a.tool, a.args, a.reason) for a in rows
        ]
        title = f"approval requests ({status})"
        print_table(out, title, COLUMNS, cells, f"no approval requests ({status})")

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
        immune = existing_immune(config)
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
        immune = existing_immune(config)
        try:
            typer.echo(_show(operator.deny(immune, request, by, note)))
        finally:
            immune.close()
