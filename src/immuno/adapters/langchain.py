"""immuno for LangChain tools and LangGraph agents (``pip install 'immuno[langchain]'``).

Three lines protect an agent::

    immune = Immune(load_config("immuno.yaml"))
    tools = guard_tools(immune, [fetch_page, send_money], agent="assistant")
    agent = create_react_agent(model, tools)          # or ToolNode(tools), as usual

Every call is checked against the agent's manifest before the tool runs
(``guard_call``), every output before the model reads it (``guard_result``). An
output whose injected sentences could be cut out is delivered sanitised. A refused
call, a held call and a stopped output never reach the tool or the model:

* ``on_refusal="message"`` (the default): the model reads a short refusal instead,
  a ToolMessage with ``status="error"`` (it names the tool, the action and, for a
  call, why; never the stopped content), and the run goes on, so the agent can tell
  the user. A held call's message names the approval request; once an operator
  approves it, the same call with the same arguments runs (once).
* ``on_refusal="raise"``: the :class:`Blocked` / :class:`HeldForApproval` propagates;
  LangGraph's ToolNode re-raises it by default, so ``invoke`` raises it. (A ToolNode
  built with ``handle_tool_errors=True`` turns it into an error message instead.)

Sessions: a call or output belongs to the session the caller is in (``with
immune.session(request, agent=...)`` around ``invoke``); else to the LangGraph
thread (``config["configurable"]["thread_id"]``), whose session is
``langgraph:<thread_id>`` and lives across the thread's runs until
:func:`thread_session` ``(...).end()`` or ``policy.session_ttl`` quiet seconds (an
ended session's id stays refused for a while: calls in that thread are then refused);
else it is judged alone. File the user's words for a thread with
``thread_session(immune, config).trust(agent, text)``: what the user asked vouches
for that thread only.

For tools you cannot wrap, :class:`ImmunoCallbackHandler` checks tool starts, tool
ends and the tool messages in the model's input, and stops the run on a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from immuno.adapters._guard import (
    OnRefusal,
    ToolGuard,
    check_name,
    check_on_refusal,
    check_provenance,
    thread_session_id,
)
from immuno.adapters._langchain_callbacks import ImmunoCallbackHandler
from immuno.adapters._langchain_tool import THREAD_PREFIX, GuardedTool, thread_of
from immuno.adapters._require import missing
from immuno.core.errors import InputError
from immuno.core.session import Session
from immuno.core.signal import Provenance

try:
    from langchain_core.tools import BaseTool
    from langchain_core.tools import tool as as_tool
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise missing("immuno.adapters.langchain", "langchain", error) from None

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "GuardedTool",
    "ImmunoCallbackHandler",
    "guard_tool",
    "guard_tools",
    "thread_session",
]


def guard_tool(
    immune: Immune,
    tool: BaseTool | Any,
    *,
    agent: str,
    name: str | None = None,
    provenance: Provenance = Provenance.UNTRUSTED,
    on_refusal: OnRefusal = "message",
) -> GuardedTool:
    """``tool`` (a BaseTool, a ``@tool`` function, a StructuredTool, or a plain
    function, sync or async) with every call and output checked for ``agent``.
    ``name`` is the tool's name in the manifest (default: its LangChain name)."""
    agent = check_name(agent, "agent")
    mode = check_on_refusal(on_refusal)
    inner = _as_tool(tool)
    if isinstance(inner, GuardedTool):
        raise InputError("tool", f"{inner.name!r} is already guarded")
    policy_name = check_name(name, "name") if name is not None else inner.name
    schema = inner.args_schema if inner.args_schema is not None else inner.get_input_schema()
    return GuardedTool(
        name=inner.name,
        description=inner.description,
        args_schema=schema,
        return_direct=inner.return_direct,
        response_format=inner.response_format,
        handle_tool_error=inner.handle_tool_error,
        handle_validation_error=inner.handle_validation_error,
        tags=inner.tags,
        metadata=inner.metadata,
        extras=inner.extras,
        inner=inner,
    ).bind_guard(ToolGuard(immune, agent, policy_name, check_provenance(provenance), mode))


def guard_tools(
    immune: Immune,
    tools: Iterable[BaseTool | Any],
    *,
    agent: str,
    names: Mapping[str, str] | None = None,
    provenance: Provenance = Provenance.UNTRUSTED,
    on_refusal: OnRefusal = "message",
) -> list[GuardedTool]:
    """Every tool guarded (:func:`guard_tool`). ``names`` maps LangChain tool names
    to manifest names where they differ (``{"send_money": "bank.transfer"}``)."""
    if isinstance(tools, BaseTool) or callable(tools):
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
    if names:  # a name for a tool not in the list is a typo that would widen nothing
        raise InputError("names", f"no such tool among those given: {', '.join(sorted(names))}")
    return guarded


def thread_session(immune: Immune, thread: Mapping[str, Any] | str) -> Session:
    """The immuno session of a LangGraph thread (a run config with
    ``configurable.thread_id``, or the thread id). ``.trust(agent, text)`` files the
    user's words for it; ``.end()`` ends it. Not a context manager to enter: leaving
    the block would end the thread's session."""
    key = thread if isinstance(thread, str) else thread_of(thread)
    session = thread_session_id(THREAD_PREFIX, key)
    if session is None:
        raise InputError("thread", "needs a thread id, or a config with configurable.thread_id")
    return Session(immune, session)


def _as_tool(tool: object) -> BaseTool:
    if isinstance(tool, BaseTool):
        return tool
    if callable(tool):
        made = as_tool(tool)
        if isinstance(made, BaseTool):
            return made
    raise InputError("tool", f"must be a LangChain tool or a function, got {type(tool).__name__}")
