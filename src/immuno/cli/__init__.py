"""The ``immuno`` command line. Each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from immuno._version import __version__
from immuno.cli import (
    agents_cmd,
    approvals_cmd,
    audit_cmd,
    ca_cmd,
    demo_cmd,
    entry,
    incidents_cmd,
    init_cmd,
    mcp_cmd,
    memory_cmd,
    policy_cmd,
    proxy_cmd,
    quarantine_cmd,
    redteam_cmd,
    response_cmd,
    sandbox_cmd,
    scan_cmd,
    serve_cmd,
    vaccinate_cmd,
)

app = typer.Typer(
    name="immuno",
    help="An immune system for AI agents: check what crosses every agent boundary.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"immuno {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """immuno: authentication, policy, detection, identity and response for agents."""


init_cmd.register(app)
scan_cmd.register(app)
demo_cmd.register(app)
policy_cmd.register(app)
approvals_cmd.register(app)
response_cmd.register(app)
memory_cmd.register(app)
agents_cmd.register(app)
ca_cmd.register(app)
audit_cmd.register(app)
vaccinate_cmd.register(app)
quarantine_cmd.register(app)
incidents_cmd.register(app)
serve_cmd.register(app)
sandbox_cmd.register(app)
proxy_cmd.register(app)
mcp_cmd.register(app)
redteam_cmd.register(app)


def main() -> None:
    """Entry point: any error becomes one clear line on stderr and exit status 2."""
    sys.exit(entry.run(app))
