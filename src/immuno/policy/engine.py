"""The compiled policy: manifests become dictionaries of closures, decided in µs.

A decision walks a fixed order, and every step can explain itself:

    1. the agent is declared                      else block  policy.unknown_agent
    2. the tool is declared                       else block  policy.undeclared_tool
    3. the agent holds the tool (own or role)     else block  policy.not_granted,
                                                  or hold policy.expansion (expansion: approval)
    4. every argument is declared, present and meets its constraints
                                                  else block  policy.arg_*
    5. the tool's rate cap is not exceeded        else block  policy.rate_limited
    6. data flow: each ``from:`` argument appears in reads of that trust level
       (per sentence and per written-back value: flow.py)
                                                  else block or hold  policy.flow.*
       and, with ``if_tainted: hold|block``, the agent has read nothing untrusted
       in this trace                              else hold or block  policy.tainted
    7. ``approval: required``                     hold        policy.approval_required

Nothing declared means nothing allowed (default deny).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.policy.constraints import Check, compile_arg
from immuno.policy.cues import normalize
from immuno.policy.flow import TraceReads, value_strings
from immuno.policy.spec import AgentSpec, Manifest, Rate, Source, ToolSpec

LAYER = "policy"
_SHOWN = 60  # characters of a value quoted in a message


@dataclass(frozen=True)
class _Arg:
    name: str
    check: Check
    source: Source
    required: bool
    is_path: bool


@dataclass(frozen=True)
class _Tool:
    spec: ToolSpec
    args: dict[str, _Arg]
    required: tuple[str, ...]
    flow: tuple[_Arg, ...]


class RateBook:
    """Calls per (agent, tool) in a sliding window; memory bounded by each cap."""

    def __init__(self) -> None:
        self._calls: dict[tuple[str, str], deque[float]] = {}

    def exceeded(self, agent: str, tool: str, rate: Rate, now: float) -> bool:
        calls = self._calls.get((agent, tool))
        if not calls:
            return False
        while calls and now - calls[0] >= rate.per:
            calls.popleft()
        return len(calls) >= rate.calls

    def record(self, agent: str, tool: str, rate: Rate, now: float) -> None:
        calls = self._calls.setdefault((agent, tool), deque(maxlen=rate.calls))
        calls.append(now)


def _finding(code: str, message: str, action: Action, severity: Severity) -> Finding:
    # A hold scores 0 so the thresholds never turn it into a block; a block scores 1.
    score = 1.0 if action is Action.BLOCK else 0.0
    return Finding(
        layer=LAYER, code=code, severity=severity, score=score, message=message, action=action
    )


def block(code: str, message: str, severity: Severity = Severity.HIGH) -> Finding:
    return _finding(code, message, Action.BLOCK, severity)


def hold(code: str, message: str) -> Finding:
    return _finding(code, message, Action.HOLD, Severity.MEDIUM)


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


class Policy:
    """A manifest compiled for fast decisions."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.agents: dict[str, tuple[AgentSpec, frozenset[str]]] = {
            name: (agent, manifest.granted(agent)) for name, agent in manifest.agents.items()
        }
        self.tools: dict[str, _Tool] = {name: _compile(t) for name, t in manifest.tools.items()}
        self.trusted_outputs = frozenset(n for n, t in manifest.tools.items() if t.trusted_output)

    def decide(
        self,
        agent: str,
        tool: str,
        args: Mapping[str, Any],
        reads: TraceReads | None,
        rates: RateBook,
        now: float,
        steps: list[str] | None = None,
    ) -> list[Finding]:
        """The findings for one tool call; none means allowed. ``steps`` collects a
        human explanation of every check when given."""
        note = steps.append if steps is not None else None
        entry = self.agents.get(agent)
        if entry is None:
            return [block("policy.unknown_agent", f"agent {agent!r} is not in any manifest")]
        spec, granted = entry
        compiled = self.tools.get(tool)
        if compiled is None:
            return [block("policy.undeclared_tool", f"tool {tool!r} is not declared")]
        findings: list[Finding] = []
        if tool in granted:
            if note:
                note(f"ok    {agent} holds {tool} ({_grant(spec, tool, self.manifest)})")
        elif spec.expansion == "approval":
            findings.append(hold("policy.expansion", f"{agent} asks for {tool}, outside its grant"))
        else:
            return [block("policy.not_granted", f"agent {agent!r} does not hold tool {tool!r}")]
        findings.extend(_check_args(compiled, tool, args, note))
        rate = compiled.spec.rate
        if rate is not None and rates.exceeded(agent, tool, rate, now):
            findings.append(
                block(
                    "policy.rate_limited",
                    f"{agent} exceeded {rate.calls} calls of {tool} per {rate.per:g}s",
                    Severity.MEDIUM,
                )
            )
        elif rate is not None and note:
            note(f"ok    rate under {rate.calls} per {rate.per:g}s")
        findings.extend(_check_flow(compiled, tool, args, reads, note))
        if compiled.spec.if_tainted != "allow" and reads is not None and reads.tainted:
            message = f"{tool} is refused once {agent} has read untrusted content in this trace"
            findings.append(
                block("policy.tainted", message)
                if compiled.spec.if_tainted == "block"
                else hold("policy.tainted", message)
            )
        if compiled.spec.approval:
            findings.append(hold("policy.approval_required", f"{tool} requires an approval"))
        if note:
            for finding in findings:
                note(f"{finding.action or 'info':<6}{finding.code}: {finding.message}")
        return findings


def _grant(agent: AgentSpec, tool: str, manifest: Manifest) -> str:
    if tool in agent.tools:
        return "granted directly"
    roles = [r for r in agent.roles if tool in manifest.roles[r].tools]
    return "via role " + ", ".join(roles)


def _compile(spec: ToolSpec) -> _Tool:
    args = {
        name: _Arg(name, compile_arg(arg), arg.source, arg.required, arg.path is not None)
        for name, arg in spec.args.items()
    }
    return _Tool(
        spec=spec,
        args=args,
        required=tuple(n for n, a in args.items() if a.required),
        flow=tuple(a for a in args.values() if a.source is not Source.ANY),
    )


def _check_args(tool: _Tool, name: str, args: Mapping[str, Any], note: Any) -> list[Finding]:
    findings: list[Finding] = []
    for arg, value in args.items():
        compiled = tool.args.get(arg)
        if compiled is None:
            findings.append(block("policy.arg_unexpected", f"{name}: undeclared argument {arg!r}"))
            continue
        problem = compiled.check(value)
        if problem is not None:
            findings.append(block("policy.arg_invalid", f"{name}: argument {arg!r} {problem}"))
        elif note:
            note(f"ok    argument {arg} meets its constraints")
    for arg in tool.required:
        if arg not in args:
            findings.append(block("policy.arg_missing", f"{name}: required argument {arg!r}"))
    return findings


def _check_flow(
    tool: _Tool, name: str, args: Mapping[str, Any], reads: TraceReads | None, note: Any
) -> list[Finding]:
    findings: list[Finding] = []
    action = Action.HOLD if tool.spec.on_violation == "hold" else Action.BLOCK
    sink = f" ({tool.spec.sink} sink)" if tool.spec.sink else ""
    for arg in tool.flow:
        if arg.name not in args:
            continue
        for value in value_strings(args[arg.name]):
            norm = normalize(value).strip()  # once per value, for every lookup below
            if reads is not None and _found(reads, norm, arg.source, arg.is_path):
                if note:
                    note(
                        f"ok   {arg.name}={_shown(value)} found in {arg.source.name.lower()} reads"
                    )
                continue
            seen = _seen(reads, norm)
            message = (
                f"{name}{sink}: {arg.name}={_shown(value)} must come from "
                f"{arg.source.name.lower()} content, but {seen}"
            )
            findings.append(
                _finding("policy.flow.untrusted_value", message, action, Severity.CRITICAL)
            )
            break
    return findings


def _found(reads: TraceReads, norm: str, level: Source, is_path: bool) -> bool:
    if level is Source.ANY or reads.contains_normalized(norm, level):
        return True
    # A path the agent joined from trusted pieces ("old1.tmp" in "/home/user/tmp") is
    # as trusted as its pieces: both the folder and the name must appear at the level.
    folder, _, name = norm.rpartition("/")
    folder, name = folder.strip(), name.strip()
    return (
        is_path
        and bool(folder and name)
        and reads.contains_normalized(folder, level)
        and reads.contains_normalized(name, level)
    )


def _seen(reads: TraceReads | None, norm: str) -> str:
    if reads is None:
        return "this agent has read nothing in this trace"
    if reads.contains_normalized(norm, Source.CLEAN):
        return "it appears only in untrusted content"
    if reads.contains_normalized(norm, Source.ANY):
        return (
            "it appears only where content was flagged, gives instructions, announces a "
            "change, or was written back from such content"
        )
    return "it appears in nothing this agent read in this trace"
