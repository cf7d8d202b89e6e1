"""The SDK: wrap a tool so every call is checked before it runs and every result
before the model reads it.

    @immune.tool(agent="payments")
    def transfer(account: str, amount: float) -> str: ...

    transfer(account="DE89...", amount=12.5)   # raises Blocked / HeldForApproval

A call that is held raises :class:`HeldForApproval`; its ``verdict.approval_id``
names the request an operator approves (``immuno approvals approve ID``). The same
call is then retried with that id (``_approval_id=`` on a wrapped tool,
``approval_id=`` on :func:`guard_call`); the policy lets it through once, and only
with exactly the arguments that were approved.

A result the pipeline stops raises :class:`Blocked`: the caller must not hand it to
the model. A result whose injected sentences could be cut out raises
:class:`Excised` (a kind of Blocked) from :func:`guard_result`, with the rest in
``.sanitized``; a wrapped tool returns that text in place of its result.
Only core types are used here; the layers decide.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import msgspec

from immuno.core.action import Action
from immuno.core.errors import Blocked, Excised, HeldForApproval, InputError
from immuno.core.session import current_session
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

P = ParamSpec("P")
R = TypeVar("R")

# Keyword arguments a wrapped tool consumes itself; they never reach the tool.
TRACE_KWARG = "_trace"
APPROVAL_KWARG = "_approval_id"


def raise_for(verdict: Verdict) -> Verdict:
    """Return the verdict when it lets the action run; raise when it stops it."""
    if verdict.action is Action.HOLD:
        raise HeldForApproval(verdict)
    if verdict.action is Action.EXCISE:
        raise Excised(verdict)
    if verdict.action.stops:
        raise Blocked(verdict)
    return verdict


def guard_call(
    immune: Immune,
    agent: str,
    tool: str,
    args: Mapping[str, Any],
    *,
    trace: str | None = None,
    approval_id: str | None = None,
) -> Verdict:
    """Check a tool call before it runs; raise Blocked / HeldForApproval when refused.
    Without ``trace`` the call belongs to the current session (``immune.session()``)."""
    signal = Signal(
        kind=SignalKind.TOOL_CALL,
        agent=agent,
        tool=tool,
        args=dict(args),
        trace=trace if trace is not None else current_session(),
        approval_id=approval_id,
    )
    return raise_for(immune.check(signal))


def guard_result(
    immune: Immune,
    agent: str,
    tool: str,
    content: str,
    *,
    provenance: Provenance = Provenance.UNTRUSTED,
    trace: str | None = None,
) -> Verdict:
    """Check a tool's output before the model reads it (and file it in the session).
    Without ``trace`` the result belongs to the current session (``immune.session()``)."""
    signal = Signal(
        kind=SignalKind.TOOL_RESULT,
        agent=agent,
        tool=tool,
        content=content,
        provenance=provenance,
        trace=trace if trace is not None else current_session(),
    )
    return raise_for(immune.check(signal))


def result_text(result: object) -> str:
    """What the model will read of a tool's return value."""
    if isinstance(result, str):
        return result
    if isinstance(result, bytes):
        return result.decode("utf-8", errors="replace")
    try:
        return msgspec.json.encode(result).decode()
    except (TypeError, msgspec.EncodeError):
        return repr(result)


def tool(
    immune: Immune,
    *,
    agent: str,
    name: str | None = None,
    provenance: Provenance = Provenance.UNTRUSTED,
    trace: str | None = None,
    sandboxed: bool = False,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: guard every call of the function as tool ``name`` used by ``agent``.
    ``sandboxed``: the function runs in the tool's sandbox (``immuno.sandbox``)."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        tool_name = name or func.__name__
        signature = inspect.signature(func)
        if sandboxed:
            from immuno.sandbox.sdk import sandboxed_tool

            return sandboxed_tool(immune, agent, tool_name, func, trace)

        def before(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, str | None]:
            call_trace = _optional_str(kwargs.pop(TRACE_KWARG, trace), TRACE_KWARG)
            approval = _optional_str(kwargs.pop(APPROVAL_KWARG, None), APPROVAL_KWARG)
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise InputError(tool_name, str(exc)) from None
            bound.apply_defaults()
            guard_call(
                immune, agent, tool_name, bound.arguments, trace=call_trace, approval_id=approval
            )
            return bound, call_trace

        def after(result: Any, call_trace: str | None) -> Any:
            """The result, or the text left once an injection was cut out of it."""
            text = result_text(result)
            try:
                guard_result(
                    immune, agent, tool_name, text, provenance=provenance, trace=call_trace
                )
            except Excised as cut:
                return cut.sanitized
            return result

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def guarded_async(*args: Any, **kwargs: Any) -> Any:
                bound, call_trace = before(args, kwargs)
                result = await func(*bound.args, **bound.kwargs)
                return after(result, call_trace)

            return cast(Callable[P, R], guarded_async)

        @functools.wraps(func)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            bound, call_trace = before(args, kwargs)
            result = func(*bound.args, **bound.kwargs)
            return after(result, call_trace)  # type: ignore[no-any-return]

        return guarded

    return wrap


def _optional_str(value: object, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError(field, f"must be a string, got {type(value).__name__}")
