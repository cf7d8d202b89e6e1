"""``immuno sandbox check``: can this host run sandboxed tools, and what is missing."""

from __future__ import annotations

import msgspec
import typer

from immuno.cli.options import ConfigOption
from immuno.cli.output import JsonOption
from immuno.core.config import load_config
from immuno.sandbox.host import probe


def register(app: typer.Typer) -> None:
    sandbox = typer.Typer(
        help="Sandboxed tools (bubblewrap): what this host supports.", no_args_is_help=True
    )
    app.add_typer(sandbox, name="sandbox")

    @sandbox.command("check")
    def check(
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """Try bubblewrap, each namespace and the seccomp filter for real; say what is
        missing. Exit 0 when sandboxed tools can run here, 1 when they cannot."""
        settings = load_config(config).sandbox
        support = probe(settings.bwrap)
        unsafe = settings.unsafe_run_unsandboxed
        if as_json:
            report = {
                "supported": support.ok,
                "bwrap": support.bwrap,
                "checks": [
                    {"name": c.name, "ok": c.ok, "required": c.required, "detail": c.detail}
                    for c in support.checks
                ],
                "missing": support.missing,
                "unsafe_run_unsandboxed": unsafe,
            }
            typer.echo(msgspec.json.encode(report).decode())
            raise typer.Exit(0 if support.ok else 1)
        width = max(len(c.name) for c in support.checks)
        for c in support.checks:
            mark = ("ok" if c.ok else "MISSING") if c.required else "note"
            typer.echo(f"{c.name:<{width}}  {mark:<7}  {c.detail}")
        if support.ok:
            typer.echo("=> supported: sandboxed tools run here")
        elif unsafe:
            typer.echo(
                "=> NOT supported, and sandbox.unsafe_run_unsandboxed is true: sandboxed "
                "tools run WITHOUT a sandbox here"
            )
        else:
            typer.echo("=> NOT supported: sandboxed tools are refused here")
        raise typer.Exit(0 if support.ok else 1)
