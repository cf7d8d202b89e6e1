"""immuno for the OpenAI Agents SDK (``pip install 'immuno[openai-agents]'``).

Three lines protect an agent::

    immune = Immune(load_config("immuno.yaml"))
    tools = guard_tools(immune, [fetch_page, send_money], agent="assistant")
    agent = Agent(name="assistant", tools=tools, **guardrails(immune, agent="assistant"))

Every call is checked against the agent's manifest before the tool runs, every
output before the model reads it; an output whose injected sentences could be cut
out is delivered sanitised. A refused call, a held call and a stopped output never
reach the tool or the model:

* ``on_refusal="message"`` (the default): the tool's output is a short refusal
  the model reads (it names the tool, the action and, for a call, why; never the
  stopped content) and the run goes on. A held call's text names the approval
  request; once an operator approves it, the same call with the same arguments runs
  (once).
* ``on_refusal="raise"``: the run stops; ``Runner.run`` raises the SDK's
  ``UserError``, whose ``__cause__`` is the :class:`Blocked` /
  :class:`HeldForApproval` (the SDK wraps what a tool raises).

:func:`guardrails` adds an input guardrail (run before the agent starts) and an
output guardrail; either trips (``InputGuardrailTripwireTriggered`` /
``OutputGuardrailTripwireTriggered``) when immuno would stop the text.

Sessions: one session per ``Runner.run`` is the documented way: run inside
``with immune.session(request, agent=...)`` (the user's words filed as trusted;
the tools and guardrails join it through the context). Without one, a tool call
belongs to the run's conversation group, ``RunConfig(group_id=...)``, whose
session is ``openai-agents:<group_id>`` and lives across the group's runs until
:func:`thread_session` ``(...).end()`` or ``policy.session_ttl`` quiet seconds (then
its id stays refused for a while);
file the user's words for a group with ``thread_session(immune, group).trust(agent,
text)``. Without either, a call is judged alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from immuno.adapters._agents_guardrails import make_input_guardrail, make_output_guardrail
from immuno.adapters._agents_tool import GROUP_PREFIX, guarded_copy
from immuno.adapters._guard import (
    OnRefusal,
    ToolGuard,
    check_name,
    check_on_refusal,
    check_provenance,
    thread_session_id,
)
from immuno.adapters._require import missing
from immuno.core.errors import InputError
from immuno.core.session import Session
from immuno.core.signal import Provenance

try:
    from agents import FunctionTool, InputGuardrail, OutputGuardrail, RunConfig, function_tool
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise missing("immuno.adapters.openai_agents", "openai-agents", error) from None

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "guard_tool",
    "guard_tools",
    "guardrails",
    "input_guardrail",
    "output_guardrail",
    "thread_session",
]

_GUARDED = "__immuno_guarded__"


def guard_tool(
    immune: Immune,
    tool: FunctionTool | Any,
    *,
    agent: str,
    name: str | None = None,
    provenance: Provenance = Provenance.UNTRUSTED,
    on_refusal: OnRefusal = "message",
) -> FunctionTool:
    """A copy of ``tool`` (a FunctionTool, e.g. from ``@function_tool``, or a plain
    function, sync or async) with every call and output checked for ``agent``.
    ``name`` is the tool's name in the manifest (default: its name in the SDK)."""
    agent = check_name(agent, "agent")
    mode = check_on_refusal(on_refusal)
    inner = _as_tool(tool)
    if getattr(inner.on_invoke_tool, _GUARDED, False):
        raise InputError("tool", f"{inner.name!r} is already guarded")
    policy_name = check_name(name, "name") if name is not None else inner.name
    guarded = guarded_copy(
        inner, ToolGuard(immune, agent, policy_name, check_provenance(provenance), mode)
    )
    setattr(guarded.on_invoke_tool, _GUARDED, True)
    return guarded


def guard_tools(
    immune: Immune,
    tools: Iterable[FunctionTool | Any],
    *,
    agent: str,
    names: Mapping[str, str] | None = None,
    provenance: Provenance = Provenance.UNTRUSTED,
    on_refusal: OnRefusal = "message",
) -> list[FunctionTool]:
    """Every tool guarded (:func:`guard_tool`). ``names`` maps SDK tool names to
    manifest names where they differ (``{"send_money": "bank.transfer"}``)."""
    if isinstance(tools, FunctionTool) or callable(tools):
        raise InputError("tools", "must be a list of tools; guard one with guard_tool()")
    names = dict(names or {})
    guarded = []
    for tool in tools:
        inner = _as_tool(tool)
        guarded.append(
            guard_tool(
                immune,
                inner,
                agent=agent,
                name=names.pop(inner.name, None),
                provenance=provenance,
                on_refusal=on_refusal,
            )
        )
    if names:
        raise InputError("names", f"no such tool among those given: {', '.join(sorted(names))}")
    return guarded


def input_guardrail(immune: Immune, *, agent: str) -> InputGuardrail[Any]:
    """Trips when immuno stops the user's input; files it for the current session."""
    return make_input_guardrail(immune, check_name(agent, "agent"), "immuno_input")


def output_guardrail(immune: Immune, *, agent: str) -> OutputGuardrail[Any]:
    """Trips when immuno would stop the agent's final output."""
    return make_output_guardrail(immune, check_name(agent, "agent"), "immuno_output")


def guardrails(immune: Immune, *, agent: str) -> dict[str, Any]:
    """Both guardrails, as ``Agent(...)`` keyword arguments."""
    return {
        "input_guardrails": [input_guardrail(immune, agent=agent)],
        "output_guardrails": [output_guardrail(immune, agent=agent)],
    }


def thread_session(immune: Immune, group: RunConfig | str) -> Session:
    """The immuno session of a conversation group (``RunConfig.group_id``, or the
    RunConfig). ``.trust(agent, text)`` files the user's words for it; ``.end()``
    ends it. Not a context manager to enter: leaving the block would end it."""
    key = group if isinstance(group, str) else getattr(group, "group_id", None)
    session = thread_session_id(GROUP_PREFIX, key)
    if session is None:
        raise InputError("group", "needs a group id, or a RunConfig with group_id set")
    return Session(immune, session)


def _as_tool(tool: object) -> FunctionTool:
    if isinstance(tool, FunctionTool):
        return tool
    if callable(tool) and not isinstance(tool, type):
        return function_tool(tool)
    raise InputError(
        "tool",
        f"must be a FunctionTool or a function, got {type(tool).__name__} "
        "(hosted tools run outside this process and cannot be guarded here)",
    )
