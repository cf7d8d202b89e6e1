"""``immuno mcp proxy | manifest | pins``: put immuno between an MCP client and server."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, print_table
from immuno.cli.stores import existing_store
from immuno.core.config import load_config
from immuno.core.errors import InputError
from immuno.core.pipeline import Immune
from immuno.mcp_proxy.pins import Pin, Pins

Command = Annotated[
    list[str] | None,
    typer.Argument(help="The server command, after --: -- python server.py", show_default=False),
]
Upstream = Annotated[
    str | None, typer.Option("--upstream", help="The MCP server's streamable-HTTP URL.")
]


def _target(command: list[str] | None, upstream: str | None) -> None:
    if command and upstream:
        raise InputError("--upstream", "give a server command (after --) or --upstream, not both")
    if not command and upstream is None:
        raise InputError("command", "no server given: -- <server command...> or --upstream URL")


PIN_COLUMNS = (
    Col("server"),
    Col("tool"),
    Col("status"),
    Col("pinned", drop=2),
    Col("sha256", drop=3),
    Col("withheld since", drop=2),
    Col("reason", drop=1),
)


def _pins(config: Path | None) -> Pins:
    return Pins(existing_store(load_config(config)), time.time)


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if at else "-"


def _pin_dict(pin: Pin) -> dict[str, object]:
    return {
        "server": pin.server,
        "tool": pin.tool,
        "status": pin.status,
        "digest": pin.digest,
        "pinned_at": pin.pinned_at,
        "candidate_digest": pin.candidate_digest,
        "candidate_at": pin.candidate_at,
        "reason": pin.reason,
    }


def _pretty(definition: str | None) -> str:
    return json.dumps(json.loads(definition), indent=2, sort_keys=True) if definition else "(none)"


def register(app: typer.Typer) -> None:
    mcp = typer.Typer(help="MCP servers: a checking proxy, pinned tool definitions, manifests.")
    app.add_typer(mcp, name="mcp")
    pins = typer.Typer(help="Pinned tool definitions: list, show, approve a change, forget.")
    mcp.add_typer(pins, name="pins")

    @mcp.command("proxy")
    def proxy(
        command: Command = None,
        agent: Annotated[str, typer.Option(help="The agent whose manifest applies.")] = "",
        server: Annotated[
            str | None,
            typer.Option(
                help="The server's name for its pins (default: its command line, or the "
                "upstream URL; never the name the server gives itself)."
            ),
        ] = None,
        upstream: Upstream = None,
        listen: Annotated[
            str, typer.Option(help="HOST:PORT the HTTP proxy serves on (with --upstream).")
        ] = "127.0.0.1:8471",
        config: ConfigOption = None,
    ) -> None:
        """Relay MCP between a client and a server, checking what crosses: tool lists
        (pinned definitions), every call (the manifest), every result (detection)."""
        from immuno.mcp_proxy.relay import Relay

        _target(command, upstream)
        if not agent:
            raise InputError("--agent", "name the agent whose manifest applies")
        # Pins belong to what the operator configured, not to what the server calls
        # itself: a server that renamed itself would otherwise start with fresh pins.
        server = server or (upstream if upstream is not None else shlex.join(command or []))
        if upstream is not None:
            from immuno.mcp_proxy import http

            target = http.check_url(upstream)
            host, port = http.parse_listen(listen)
        settings = load_config(config)
        if upstream is not None:
            immune = Immune(settings)
            try:
                http.serve(Relay(immune, agent, server), target, host, port)
            finally:
                immune.close()
            return
        from immuno.mcp_proxy import stdio

        built: list[Immune] = []

        def build() -> Relay:  # while the server starts
            built.append(Immune(settings))
            return Relay(built[0], agent, server)

        try:
            status = asyncio.run(stdio.run(build, command or []))
        finally:
            for immune in built:
                immune.close()
        sys.exit(status)

    @mcp.command("manifest")
    def manifest(
        command: Command = None,
        agent: Annotated[str, typer.Option(help="The agent the manifest grants.")] = "agent",
        upstream: Upstream = None,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")
        ] = None,
    ) -> None:
        """Start the server, list its tools and write a starting manifest for the agent
        (every guess marked `# review:`)."""
        from immuno.mcp_proxy.lister import list_tools
        from immuno.mcp_proxy.manifest import manifest_yaml

        _target(command, upstream)
        tools, server_name = list_tools(command or [], upstream)
        text = manifest_yaml(agent, server_name, tools)
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {output}: {len(tools)} tools for agent {agent!r}", err=True)

    @pins.command("list")
    def pins_list(
        server: Annotated[str | None, typer.Argument(help="Only this server.")] = None,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """Every pinned tool, and the definitions withheld (changed or poisoned)."""
        rows = _pins(config).list(server)
        if as_json:
            print_json([_pin_dict(pin) for pin in rows])
            return
        cells = [
            (
                pin.server,
                pin.tool,
                pin.status,
                _when(pin.pinned_at),
                (pin.digest or "-")[:12],
                _when(pin.candidate_at),
                (pin.reason or "-")[:60],
            )
            for pin in rows
        ]
        print_table(console(), "MCP tool pins", PIN_COLUMNS, cells, "no MCP tool pinned yet")

    @pins.command("show")
    def pins_show(
        server: Annotated[str, typer.Argument(help="The server's name.")],
        tool: Annotated[str, typer.Argument(help="The tool's name.")],
        config: ConfigOption = None,
    ) -> None:
        """The pinned definition and the withheld one, to read before approving."""
        pin = _pins(config).get(server, tool)
        if pin is None:
            raise InputError("tool", f"no pin for {tool!r} of server {server!r}")
        typer.echo(f"{server}/{tool}: {pin.status}")
        typer.echo(f"--- pinned {_when(pin.pinned_at)} sha256 {pin.digest or '-'}")
        typer.echo(_pretty(pin.definition))
        if pin.candidate is not None:
            typer.echo(f"+++ withheld {_when(pin.candidate_at)} sha256 {pin.candidate_digest}")
            typer.echo(f"reason: {pin.reason}")
            typer.echo(_pretty(pin.candidate))

    @pins.command("approve")
    def pins_approve(
        server: Annotated[str, typer.Argument(help="The server's name.")],
        tool: Annotated[str, typer.Argument(help="The tool's name.")],
        config: ConfigOption = None,
    ) -> None:
        """Accept the withheld definition (after reading it): it becomes the pin."""
        pin = _pins(config).approve(server, tool)
        typer.echo(f"pinned {server}/{tool} sha256 {pin.digest}")

    @pins.command("forget")
    def pins_forget(
        server: Annotated[str, typer.Argument(help="The server's name.")],
        tool: Annotated[str | None, typer.Argument(help="Only this tool.")] = None,
        config: ConfigOption = None,
    ) -> None:
        """Drop pins: the next listing is a first sight (checked, then pinned)."""
        gone = _pins(config).forget(server, tool)
        typer.echo(f"forgot {gone} pin{'s' if gone != 1 else ''} of {server}")
