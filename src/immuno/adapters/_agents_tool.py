"""Guarded FunctionTools for the OpenAI Agents SDK.

A guarded tool is a copy of the FunctionTool whose ``on_invoke_tool`` checks the
call (its JSON arguments, as the model wrote them) before the original runs, and
the output before the model reads it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from typing import Any

from immuno.adapters._guard import ToolGuard, session_for
from immuno.adapters._require import missing
from immuno.core.errors import InputError

try:
    from agents import FunctionTool
    from agents.tool_context import ToolContext
    from pydantic import BaseModel
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise missing("immuno.adapters.openai_agents", "openai-agents", error) from None

GROUP_PREFIX = "openai-agents"

Invoker = Callable[[ToolContext[Any], str], Awaitable[Any]]


def group_of(ctx: object) -> object:
    """The run's conversation group (``RunConfig.group_id``), if the SDK passed it."""
    return getattr(getattr(ctx, "run_config", None), "group_id", None)


def output_text(output: object) -> str:
    """What the model will read of a tool's (or an agent's) output."""
    if isinstance(output, str):
        return output
    text = getattr(output, "text", None)
    if isinstance(text, str):  # ToolOutputText
        return text
    if isinstance(output, list | tuple):
        return "\n".join(output_text(item) for item in output)
    if isinstance(output, BaseModel):
        return output.model_dump_json()
    try:
        return json.dumps(output, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(output)


def parse_arguments(raw: str, tool: str) -> dict[str, Any]:
    """The model's JSON arguments as an object (empty text: no arguments)."""
    if not raw or not raw.strip():
        return {}
    try:
        args = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{tool}.arguments", f"not valid JSON: {exc.msg}") from None
    if not isinstance(args, dict):
        raise InputError(f"{tool}.arguments", "must be a JSON object")
    return args


def guarded_copy(tool: FunctionTool, guard: ToolGuard) -> FunctionTool:
    """A copy of ``tool`` that runs only what ``guard`` lets through."""
    original: Invoker = tool.on_invoke_tool

    async def on_invoke_tool(ctx: ToolContext[Any], raw: str) -> Any:
        trace = session_for(GROUP_PREFIX, group_of(ctx))
        try:
            args = parse_arguments(raw, tool.name)
        except InputError as bad:
            if guard.on_refusal == "raise":
                raise
            return f"immuno refused the call to {guard.tool}: {bad}"
        refusal = guard.check_call(args, trace)
        if refusal is not None:
            return refusal
        output = await original(ctx, raw)
        delivery = guard.check_result(output_text(output), trace)
        return delivery.text if delivery.changed else output

    guarded = copy.copy(tool)
    guarded.on_invoke_tool = on_invoke_tool
    return guarded
