"""``immuno policy check`` (validate and summarise manifests), ``immuno policy
explain`` (walk one tool call through the policy, step by step), and ``immuno policy
written`` / ``forget`` (values agents wrote back from untrusted content)."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

from immuno.cli import output
from immuno.cli.options import ConfigOption
from immuno.cli.output import JsonOption, print_json
from immuno.cli.stores import existing_store
from immuno.core.action import Action
from immuno.core.config import load_config
from immuno.core.errors import InputError
from immuno.policy.engine import Policy, RateBook
from immuno.policy.flow import TraceReads
from immuno.policy.manifest import load_manifests
from immuno.policy.spec import ArgSpec, Manifest, Source
from immuno.policy.written import WrittenValues

_LEVELS = {"trusted": Source.TRUSTED, "clean": Source.CLEAN, "flagged": Source.ANY}


def warnings(manifest: Manifest) -> list[str]:
    """Declarations that are valid but probably not what the author meant."""
    granted = {t for a in manifest.agents.values() for t in manifest.granted(a)}
    found = []
    for name, tool in manifest.tools.items():
        guarded = tool.approval or any(
            a.source is not Source.ANY or a.url or a.path or a.enum
            for arg in tool.args.values()
            for a in arg.walk()
        )
        if tool.sink and not guarded:
            found.append(
                f"{name}: a {tool.sink} sink with no data-flow rule (`from:`), allowlist "
                "(url, path, enum) or approval"
            )
        if name not in granted and not tool.trusted_output:
            found.append(f"{name}: declared but held by no agent")
    return found


def _summary(manifest: Manifest, console: Console) -> None:
    agents = [
        (
            agent.name,
            ", ".join(agent.roles),
            ", ".join(sorted(manifest.granted(agent))) or "(none)",
            agent.expansion,
        )
        for agent in manifest.agents.values()
    ]
    tools = []
    for tool in manifest.tools.values():
        args = ", ".join(_arg_summary(a) for a in tool.args.values())
        rate = f"{tool.rate.calls}/{tool.rate.per:g}s" if tool.rate else "-"
        extra = "trusted output" if tool.trusted_output else ""
        rules = f"approval {'required' if tool.approval else 'no'}; flow {tool.on_violation}"
        tools.append((tool.name, tool.sink or extra or "-", args or "(none)", rate, rules))
    console.print(
        output.table("agents", AGENT_COLUMNS, agents, console),
        output.table("tools", TOOL_COLUMNS, tools, console),
    )


AGENT_COLUMNS = tuple(output.Col(c) for c in ("agent", "roles", "tools held", "expansion"))
TOOL_COLUMNS = tuple(
    output.Col(c) for c in ("tool", "sink", "arguments", "rate", "on approval / violation")
)


def _arg_summary(arg: ArgSpec) -> str:
    rules = [f"from {arg.source.name.lower()}"] if arg.source else []
    if arg.values:
        rules.append("values " + "/".join(arg.values))
    if any(inner.source for inner in arg.walk() if inner is not arg):
        rules.append("rules inside")
    return arg.name + (f" ({', '.join(rules)})" if rules else "")


def _reads(values: list[str]) -> TraceReads:
    reads = TraceReads(limit=max(len(values), 1))
    for item in values:
        level, sep, text = item.partition(":")
        if not sep or level not in _LEVELS:
            raise InputError("--read", f"expected LEVEL:TEXT with LEVEL in {list(_LEVELS)}")
        reads.add(text, _LEVELS[level])
    return reads


def _written(config: ConfigOption) -> WrittenValues:
    return WrittenValues(existing_store(load_config(config)), time.time)


def _level(level: Source) -> str:
    return "clean" if level is Source.CLEAN else "flagged"


def _manifest_json(manifest: Manifest) -> dict[str, Any]:
    """The summary as data: agents, roles, tools and the warnings."""
    return {
        "agents": [
            {
                "agent": agent.name,
                "roles": list(agent.roles),
                "tools": sorted(manifest.granted(agent)),
                "expansion": agent.expansion,
            }
            for agent in manifest.agents.values()
        ],
        "roles": {role.name: list(role.tools) for role in manifest.roles.values()},
        "tools": [
            {
                "tool": tool.name,
                "sink": tool.sink,
                "arguments": list(tool.args),
                "rate": {"calls": tool.rate.calls, "per": tool.rate.per} if tool.rate else None,
                "approval": tool.approval,
                "on_violation": tool.on_violation,
                "if_tainted": tool.if_tainted,
                "trusted_output": tool.trusted_output,
            }
            for tool in manifest.tools.values()
        ],
        "warnings": warnings(manifest),
    }


WRITTEN_COLUMNS = (
    output.Col("value"),
    output.Col("service"),
    output.Col("level"),
    output.Col("agent"),
    output.Col("tool"),
    output.Col("trace", drop=2),
    output.Col("at", drop=3),
)


def register(app: typer.Typer) -> None:
    policy = typer.Typer(
        help="Agent manifests: validate them, explain decisions, review written-back values."
    )
    app.add_typer(policy, name="policy")

    @policy.command("check")
    def check(
        files: Annotated[list[Path], typer.Argument(help="Manifest files (YAML).")],
        as_json: JsonOption = False,
    ) -> None:
        """Validate manifests (file, line and field on error) and summarise them."""
        manifest = load_manifests(files)
        if as_json:
            print_json(_manifest_json(manifest))
            return
        console = Console()
        _summary(manifest, console)
        for warning in warnings(manifest):
            console.print(f"[yellow]warning:[/] {escape(warning)}")
        console.print(
            f"ok: {len(manifest.agents)} agents, {len(manifest.roles)} roles, "
            f"{len(manifest.tools)} tools; anything not declared is denied"
        )

    @policy.command("explain")
    def explain(
        agent: Annotated[str, typer.Argument(help="The calling agent.")],
        tool: Annotated[str, typer.Argument(help="The tool it calls.")],
        args: Annotated[str, typer.Option("--args", help="Arguments as a JSON object.")] = "{}",
        read: Annotated[
            list[str] | None,
            typer.Option(help="Something the agent read, LEVEL:TEXT (trusted|clean|flagged)."),
        ] = None,
        manifest: Annotated[
            list[Path] | None, typer.Option(help="Manifest files (default: the config's).")
        ] = None,
        config: ConfigOption = None,
    ) -> None:
        """Show why a tool call would be allowed, held or blocked (rate caps are not
        simulated). Exit 1 unless allowed."""
        files: list[Any] = list(manifest or load_config(config).policy.manifests)
        if not files:
            raise InputError("--manifest", "no manifest given and none in the configuration")
        try:
            call_args = msgspec.json.decode(args)
        except msgspec.DecodeError as exc:
            raise InputError("--args", f"not valid JSON: {exc}") from None
        if not isinstance(call_args, dict):
            raise InputError("--args", "must be a JSON object")
        steps: list[str] = []
        engine = Policy(load_manifests(files))
        findings = engine.decide(agent, tool, call_args, _reads(read or []), RateBook(), 0.0, steps)
        action = Action.ALLOW
        for finding in findings:
            action = action | (finding.action or Action.ALLOW)
        for step in steps:
            typer.echo(step)
        for finding in findings:
            if not any(finding.code in step for step in steps):
                typer.echo(f"{finding.action or 'info':<6}{finding.code}: {finding.message}")
        typer.echo(f"=> {action.value}")
        raise typer.Exit(1 if action.stops else 0)

    @policy.command("written")
    def written(
        limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
        as_json: JsonOption = False,
        config: ConfigOption = None,
    ) -> None:
        """List values agents wrote into tools while only untrusted content supported
        them: trusted reads of the same service keep them at this level."""
        values = _written(config).list(limit)
        if as_json:
            print_json([{**asdict(w), "level": _level(w.level)} for w in values])
            return
        rows = [
            (
                w.value,
                w.scope,
                _level(w.level),
                w.agent,
                w.tool,
                w.trace or "-",
                datetime.fromtimestamp(w.at, UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
            )
            for w in values
        ]
        out = output.console()
        title = "values written back from untrusted content"
        output.print_table(out, title, WRITTEN_COLUMNS, rows, "no value written back")

    @policy.command("forget")
    def forget(
        value: Annotated[str, typer.Argument(help="The value, as listed by `policy written`.")],
        config: ConfigOption = None,
    ) -> None:
        """Trust a written-back value again, after checking it (in every service)."""
        gone = _written(config).forget(value)
        if not gone:
            raise InputError("value", f"{value!r} is not a remembered written-back value")
        typer.echo(f"forgot {value!r} ({gone} service{'s' if gone != 1 else ''})")
