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
       (per sentence and per written-back value: flow.py), as written or in the
       same canonical form (canonical.py: 1200.5 is "1,200.50"); with ``values:``,
       each URL, address, phone, account ... inside its text does instead; a
       ``from:`` holds for every field and item inside the argument, and null or
       empty text is never vouched for (unless ``nullable`` allows a null)
                                                  else block or hold  policy.flow.*
       (``on_violation`` of the argument, else of the enclosing one, else the tool's)
       and, with ``if_tainted: hold|block``, the agent has read nothing untrusted
       in this trace                              else hold or block  policy.tainted
    7. ``approval: required``                     hold        policy.approval_required

Nothing declared means nothing allowed (default deny).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.policy.canonical import canonical_keys, find_values
from immuno.policy.constraints import Check, at, compile_arg
from immuno.policy.cues import normalize
from immuno.policy.flow import TraceReads, value_strings
from immuno.policy.spec import AgentSpec, ArgSpec, Manifest, Rate, Source, ToolSpec

if TYPE_CHECKING:
    from immuno.store.shared import SharedState

LAYER = "policy"
_SHOWN = 60  # characters of a value quoted in a message
MAX_VALUE_CHARS = 2048  # longer text is no single value: it has no canonical key


@dataclass(frozen=True)
class _Flow:
    """The data-flow rule of an argument, or of a field or the items inside one."""

    source: Source  # the strictest of its own ``from:`` and its enclosing arguments'
    action: Action  # what a violation does
    kinds: frozenset[str]  # ``values:``: these values inside the text meet ``source``
    is_path: bool
    nullable: bool
    fields: Mapping[str, _Flow] | None
    items: _Flow | None
    checked: bool  # it, or something inside it, has a rule


@dataclass(frozen=True)
class _Arg:
    name: str
    check: Check
    required: bool
    flow: _Flow


@dataclass(frozen=True)
class _Tool:
    spec: ToolSpec
    args: dict[str, _Arg]
    required: tuple[str, ...]
    flow: tuple[_Arg, ...]
    # some argument asks for clean content: deciding it looks at untrusted reads
    asks_clean: bool = False


class Rates(Protocol):
    def exceeded(self, agent: str, tool: str, rate: Rate, now: float) -> bool: ...

    def record(self, agent: str, tool: str, rate: Rate, now: float) -> None: ...


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


class SharedRateBook:
    """Rate caps shared by every worker and replica, counted in Redis on its clock.

    Checking the cap takes the slot in the same atomic step, so replicas racing for
    the last slot cannot both get it; a call another check then refuses keeps its
    slot (that errs towards refusing)."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared

    def exceeded(self, agent: str, tool: str, rate: Rate, now: float) -> bool:
        return not self.shared.take(f"rate:{agent}\x1f{tool}", rate.calls, rate.per)

    def record(self, agent: str, tool: str, rate: Rate, now: float) -> None:
        pass  # taken when the cap was checked


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


def shown(value: str) -> str:
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
        # Does any call ask where a value came from (a ``from:`` rule, values inside
        # text)? When none does, reads need no index of words and values: a read only
        # taints. Per manifest, not per agent: what one agent read and wrote into a
        # shared tool is demoted for the others (written.py), whoever asks later.
        self.asks_origin = any(t.flow for t in self.tools.values())

    def decide(
        self,
        agent: str,
        tool: str,
        args: Mapping[str, Any],
        reads: TraceReads | None,
        rates: Rates,
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
    action = _ACTIONS[spec.on_violation]
    args = {
        name: _Arg(name, compile_arg(arg), arg.required, _flow(arg, Source.ANY, action))
        for name, arg in spec.args.items()
    }
    return _Tool(
        spec=spec,
        args=args,
        required=tuple(n for n, a in args.items() if a.required),
        flow=tuple(a for a in args.values() if a.flow.checked),
        asks_clean=any(_asks_clean(a.flow) for a in args.values()),
    )


def _asks_clean(flow: _Flow) -> bool:
    inner = [*(flow.fields or {}).values(), *([flow.items] if flow.items else [])]
    return flow.source is Source.CLEAN or any(_asks_clean(f) for f in inner)


_ACTIONS = {"block": Action.BLOCK, "hold": Action.HOLD}


def _flow(spec: ArgSpec, outer: Source, action: Action) -> _Flow:
    source = max(outer, spec.source)
    if spec.on_violation is not None:
        action = _ACTIONS[spec.on_violation]
    fields = (
        {name: _flow(field, source, action) for name, field in spec.fields.items()}
        if spec.fields is not None
        else None
    )
    items = _flow(spec.items, source, action) if spec.items is not None else None
    inner = [*(fields or {}).values(), *([items] if items is not None else [])]
    return _Flow(
        source=source,
        action=action,
        kinds=frozenset(spec.values),
        is_path=spec.path is not None,
        nullable=spec.nullable,
        fields=fields,
        items=items,
        checked=source is not Source.ANY or any(f.checked for f in inner),
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
            findings.append(block("policy.arg_invalid", f"{name}: {at(f'args.{arg}', problem)}"))
        elif note:
            note(f"ok    argument {arg} meets its constraints")
    for arg in tool.required:
        if arg not in args:
            findings.append(block("policy.arg_missing", f"{name}: required argument {arg!r}"))
    return findings


class _FlowCheck:
    """One call's data-flow check: walks each argument with a rule, down its fields and
    items, and keeps the first violation of each argument per action (a held call must
    never hide a violation that blocks)."""

    def __init__(self, tool: _Tool, name: str, reads: TraceReads | None, note: Any) -> None:
        self.reads = reads
        self.note = note
        sink = f" ({tool.spec.sink} sink)" if tool.spec.sink else ""
        self.prefix = f"{name}{sink}"
        self.found: dict[Action, str] = {}
        self.endorsed: list[str] = []  # values trusted through an endorsed read

    def walk(self, flow: _Flow, value: Any, path: str) -> None:
        if not flow.checked:
            return
        if value is None:
            if not flow.nullable and flow.source is not Source.ANY:
                self.refuse(flow, f"{path} is null, and a null value is never vouched for")
            return
        if flow.fields is not None and isinstance(value, dict):
            for key, item in value.items():
                inner = flow.fields.get(key)
                if inner is not None:  # an undeclared field is refused by its constraints
                    self.walk(inner, item, f"{path}.{key}")
            return
        if flow.items is not None and isinstance(value, list | tuple):
            for i, item in enumerate(value):
                self.walk(flow.items, item, f"{path}[{i}]")
            return
        if flow.source is Source.ANY:
            return
        if flow.kinds and isinstance(value, str):
            self.values_inside(flow, value, path)
            return
        texts = value_strings(value)
        if isinstance(value, dict):  # a key can carry a value too: {"<iban>": 950}
            texts = [str(key) for key in value] + texts
        for text in texts:  # an empty list or mapping carries no value: nothing to vouch for
            norm = normalize(text).strip()  # once per value, for every lookup below
            if not norm:
                self.refuse(flow, f"{path} is empty, and an empty value is never vouched for")
                return
            found = self.reads is not None and _found(
                self.reads, norm, flow.source, flow.is_path, text
            )
            if found:
                self.ok(f"{path}={shown(text)}", flow.source, norm)
                continue
            level = flow.source.name.lower()
            seen = _seen(self.reads, norm, _keys(norm))
            self.refuse(flow, f"{path}={shown(text)} must come from {level} content, but {seen}")
            return

    def values_inside(self, flow: _Flow, text: str, path: str) -> None:
        for value in find_values(normalize(text), flow.kinds):
            keys = {value.key}
            if _supported(self.reads, value.raw, flow.source, keys):
                self.ok(f"the {value.kind} {shown(value.raw)} in {path}", flow.source, value.key)
                continue
            level = flow.source.name.lower()
            seen = _seen(self.reads, value.raw, keys)
            self.refuse(
                flow,
                f"the {value.kind} {shown(value.raw)} in {path} must come from {level} "
                f"content, but {seen}",
            )
            return

    def ok(self, what: str, level: Source, norm: str) -> None:
        if level is Source.TRUSTED and self.reads is not None:
            via = self.reads.endorsement(norm)
            if via is not None:
                self.endorsed.append(f"{self.prefix}: {what} is trusted because {via}")
        if self.note:
            self.note(f"ok   {what} found in {level.name.lower()} reads")

    def refuse(self, flow: _Flow, problem: str) -> None:
        self.found.setdefault(flow.action, f"{self.prefix}: {problem}")


def _check_flow(
    tool: _Tool, name: str, args: Mapping[str, Any], reads: TraceReads | None, note: Any
) -> list[Finding]:
    findings: list[Finding] = []
    for arg in tool.flow:
        if arg.name not in args:
            continue
        check = _FlowCheck(tool, name, reads, note)
        check.walk(arg.flow, args[arg.name], f"args.{arg.name}")
        for action, message in check.found.items():
            findings.append(
                _finding("policy.flow.untrusted_value", message, action, Severity.CRITICAL)
            )
        findings.extend(
            Finding(
                layer=LAYER,
                code="policy.flow.endorsed",
                severity=Severity.INFO,
                score=0.0,
                message=message,
            )
            for message in check.endorsed
        )
    return findings


def supports(reads: TraceReads, norm: str, level: Source) -> bool:
    """Is the normalised value ``norm`` found in reads at ``level``, as written or in
    its canonical form? (For the book of written-back values.)"""
    if level is Source.ANY or (norm and reads.contains_normalized(norm, level)):
        return True
    return any(reads.contains_normalized(key, level) for key in _keys(norm))


def _supported(reads: TraceReads | None, norm: str, level: Source, keys: set[str]) -> bool:
    return level is Source.ANY or _present(reads, norm, level, keys)


def _present(reads: TraceReads | None, norm: str, level: Source, keys: set[str]) -> bool:
    """In reads at ``level`` or above (``any``: in anything read), as written or as one
    of its canonical ``keys``? Empty text is never present."""
    if reads is None or not norm:
        return False
    return reads.contains_normalized(norm, level) or any(
        reads.contains_normalized(key, level) for key in keys
    )


def _keys(norm: str) -> set[str]:
    # a value as a whole: text longer than any single value stands for none
    return canonical_keys(norm) if len(norm) <= MAX_VALUE_CHARS else set()


def _found(reads: TraceReads, norm: str, level: Source, is_path: bool, raw: str = "") -> bool:
    if level is Source.ANY or reads.contains_normalized(norm, level):
        return True  # as written: the common case, one set lookup
    if any(reads.contains_normalized(key, level) for key in _keys(norm)):
        return True  # in another form (canonical.py)
    if level is Source.CLEAN and (host := _web_host(raw)):
        # Where a clean source will do, a web address is a destination: the agent may
        # build a page's address on a host the user named ("the scones recipe on
        # www.codedculinary.com" -> https://www.codedculinary.com/recipe/...). The host
        # must be in trusted reads (the user's words), not only in clean ones an
        # outsider wrote, and the address may carry no query or fragment to leak by.
        return any(
            reads.contains_normalized(name, Source.TRUSTED) and reads.endorsement(name) is None
            for name in _host_names(host)
        )
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


def _web_host(raw: str) -> str:
    """The host of a plain http(s) address as the tool will get it, or "": only ASCII
    with no backslash (a full-width "／" or a "\\" parses differently elsewhere), no
    credentials ("https://good.example@evil.example" names evil.example), no query
    and no fragment."""
    text = raw.strip()
    if not text.isascii() or "\\" in text or any(c.isspace() for c in text):
        return ""
    if not text.lower().startswith(("http://", "https://")):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        return ""
    if "?" in text or "#" in text or "@" in text:
        return ""
    host = parts.hostname or ""
    return host if "." in host and not host.endswith(".") else ""


def _host_names(host: str) -> tuple[str, ...]:
    bare = host.removeprefix("www.")
    return (host, bare, f"www.{bare}") if bare != host or "." in bare else (host,)


def _seen(reads: TraceReads | None, norm: str, keys: set[str]) -> str:
    if reads is None:
        return "this agent has read nothing in this trace"
    if _present(reads, norm, Source.CLEAN, keys):
        return "it appears only in untrusted content"
    if _present(reads, norm, Source.ANY, keys):
        return (
            "it appears only where content was flagged, gives instructions, announces a "
            "change, or was written back from such content"
        )
    return "it appears in nothing this agent read in this trace"
