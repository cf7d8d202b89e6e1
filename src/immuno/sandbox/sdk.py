"""Sandboxed tools in the SDK: the call is checked, the tool runs in its sandbox, and
its output is checked as an untrusted tool result with the sandbox's outcome as
evidence, so the verdict and what happened (exit, the limit that killed it, refused
connections) are sealed together in the audit log.

    run = immune.run_sandboxed("analyst", "data.count", ["wc", "-l", "/srv/data/a.csv"],
                               {"file": "a.csv"})
    run.outcome.exit_code, run.text

    @immune.tool(agent="analyst", name="report.build", sandboxed=True)
    def build(month: str) -> str: ...
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from immuno.core.errors import ConfigError, Excised, ImmunoError, InputError
from immuno.core.finding import Finding
from immuno.core.sdk import APPROVAL_KWARG, TRACE_KWARG, guard_call, raise_for
from immuno.core.session import current_session
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.sandbox import host
from immuno.sandbox.outcome import Outcome, findings, unavailable_finding
from immuno.sandbox.run import Options, run_callable, run_command
from immuno.sandbox.spec import STRICT, SandboxSpec

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

log = logging.getLogger("immuno.sandbox")
P = ParamSpec("P")
R = TypeVar("R")

UNSAFE_WARNING = (
    "sandbox.unsafe_run_unsandboxed is true and this host cannot sandbox "
    "(%s): sandboxed tools run WITHOUT namespaces, seccomp or the egress proxy"
)


class ToolFailed(ImmunoError):
    """A sandboxed callable raised, or gave no value. The run was checked and sealed;
    ``outcome`` says what happened."""

    def __init__(self, outcome: Outcome, verdict: Verdict) -> None:
        self.outcome = outcome
        self.verdict = verdict
        super().__init__(f"{outcome.tool} failed in its sandbox: {outcome.error or 'no value'}")


@dataclass(frozen=True)
class SandboxRun:
    outcome: Outcome
    verdict: Verdict

    @property
    def text(self) -> str:
        """What the model may read: the checked output."""
        return self.outcome.text()

    @property
    def exit_code(self) -> int | None:
        return self.outcome.exit_code


def spec_for(immune: Immune, tool: str) -> SandboxSpec:
    """The tool's ``sandbox:`` block, or the strictest sandbox when it has none."""
    try:
        policy = immune.layer("policy").policy
    except KeyError:
        return STRICT
    declared = policy.manifest.tools.get(tool) if policy is not None else None
    return declared.sandbox if declared is not None and declared.sandbox else STRICT


def options(immune: Immune) -> Options | str:
    """How to run here, or why a sandboxed tool is refused."""
    config = immune.config.sandbox
    support = host.support(config.bwrap)
    hidden = hidden_paths(immune)
    if support.ok:
        return Options(bwrap=support.bwrap, hidden=hidden)
    why = "; ".join(support.missing)
    if config.unsafe_run_unsandboxed:
        log.warning(UNSAFE_WARNING, why)
        return Options(bwrap=None, hidden=hidden)
    return why


def hidden_paths(immune: Immune) -> tuple[str, ...]:
    """What a sandbox never shows, whatever its declared paths: the store's folder (the
    database, the authority key, the CA), the passphrase file, the gateway's TLS key."""
    config = immune.config
    paths = [
        str(config.store.folder),
        config.identity.passphrase_file,
        config.gateway.tls.key,
        config.gateway.tls.ca,
    ]
    return tuple(os.path.realpath(p) for p in paths if p)


def warn_if_unsafe(immune: Immune) -> None:
    """At start: say loudly that sandboxed tools may run unsandboxed."""
    if immune.config.sandbox.unsafe_run_unsandboxed:
        support = host.support(immune.config.sandbox.bwrap)
        if support.ok:
            log.warning(
                "sandbox.unsafe_run_unsandboxed is true: on a host that cannot sandbox, "
                "sandboxed tools would run WITHOUT a sandbox (this one can, so they run in it)"
            )
        else:
            log.warning(UNSAFE_WARNING, "; ".join(support.missing))


def _check(
    immune: Immune, agent: str, tool: str, content: str, trace: str | None, evidence: list[Finding]
) -> Verdict:
    signal = Signal(
        kind=SignalKind.TOOL_RESULT,
        agent=agent,
        tool=tool,
        content=content,
        provenance=Provenance.UNTRUSTED,
        trace=trace if trace is not None else current_session(),
    )
    return immune.check(signal, evidence=evidence)


def execute(
    immune: Immune,
    agent: str,
    tool: str,
    target: Sequence[str] | Callable[..., Any],
    args: Mapping[str, Any],
    *,
    trace: str | None = None,
    stdin: bytes = b"",
) -> SandboxRun:
    """Run an already-allowed call in its sandbox and check what came out; raises
    Blocked (a killed run, a refused connection, detection), Excised, HeldForApproval."""
    how = options(immune)
    if isinstance(how, str):
        verdict = _check(immune, agent, tool, "", trace, [unavailable_finding(tool, how)])
        raise_for(verdict)
        raise ConfigError("sandbox", f"{tool} was refused but the verdict allowed it")
    spec = spec_for(immune, tool)
    if not callable(target) and (
        isinstance(target, str) or not all(isinstance(a, str) for a in target)
    ):
        raise InputError("command", "must be a list of strings (argv), not a shell line")
    try:
        if callable(target):
            outcome = run_callable(spec, target, (), dict(args), tool=tool, options=how)
        else:
            outcome = run_command(spec, list(target), tool=tool, options=how, stdin=stdin)
    except OSError as exc:  # the sandbox itself could not start: refused, and sealed
        why = f"the sandbox could not start ({exc})"
        verdict = _check(immune, agent, tool, "", trace, [unavailable_finding(tool, why)])
        raise_for(verdict)
        raise
    except RuntimeError as exc:  # the egress proxy did not start
        verdict = _check(immune, agent, tool, "", trace, [unavailable_finding(tool, str(exc))])
        raise_for(verdict)
        raise
    verdict = _check(immune, agent, tool, outcome.text(), trace, findings(outcome))
    raise_for(verdict)
    return SandboxRun(outcome, verdict)


def run_sandboxed(
    immune: Immune,
    agent: str,
    tool: str,
    target: Sequence[str] | Callable[..., Any],
    args: Mapping[str, Any] | None = None,
    *,
    trace: str | None = None,
    approval_id: str | None = None,
    stdin: bytes = b"",
) -> SandboxRun:
    """Check the call (``args`` against the manifest), run ``target`` (an argv list, or
    a module-level function called with ``**args``) in the tool's sandbox, check its
    output. Raises like ``guard_call`` and ``guard_result``."""
    call_args = dict(args or {})
    guard_call(immune, agent, tool, call_args, trace=trace, approval_id=approval_id)
    return execute(immune, agent, tool, target, call_args, trace=trace, stdin=stdin)


def value_of(run: SandboxRun) -> Any:
    """A callable's return value (as JSON gave it back); ToolFailed when it raised."""
    reply = run.outcome.reply
    if reply is None or reply.get("ok") is not True:
        raise ToolFailed(run.outcome, run.verdict)
    return reply.get("value")


def sandboxed_tool(
    immune: Immune, agent: str, tool: str, func: Callable[P, R], trace: str | None
) -> Callable[P, R]:
    """``@immune.tool(..., sandboxed=True)``: each call is checked, runs in the tool's
    sandbox, and returns the function's value as JSON carried it back (or the text
    left once an injection was cut out of it)."""
    signature = inspect.signature(func)
    if inspect.iscoroutinefunction(func):
        raise ConfigError(f"tool {tool}", "a sandboxed tool must be a plain function, not async")
    for param in signature.parameters.values():
        if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            raise ConfigError(
                f"tool {tool}", f"a sandboxed tool takes named arguments only, not {param}"
            )

    @functools.wraps(func)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        call_trace = _optional_str(kwargs.pop(TRACE_KWARG, trace), TRACE_KWARG)
        approval = _optional_str(kwargs.pop(APPROVAL_KWARG, None), APPROVAL_KWARG)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InputError(tool, str(exc)) from None
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        try:
            run = run_sandboxed(
                immune, agent, tool, func, arguments, trace=call_trace, approval_id=approval
            )
        except Excised as cut:
            return cut.sanitized  # type: ignore[return-value]
        return value_of(run)  # type: ignore[no-any-return]

    return guarded


def _optional_str(value: object, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError(field, f"must be a string, got {type(value).__name__}")
