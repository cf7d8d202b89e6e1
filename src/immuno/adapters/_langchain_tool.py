"""GuardedTool: a LangChain tool whose every call and output immuno checks.

It takes the wrapped tool's name, description and argument schema, so the model and
LangGraph's ToolNode see the same tool (and inject the same state, store and
tool-call id). BaseTool parses the input as usual; :meth:`GuardedTool._run` then
checks the call, runs the wrapped tool's own ``_run`` (or ``_arun``), and checks what
came back before it becomes the ToolMessage the model reads.
"""

from __future__ import annotations

import contextvars
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

from immuno.adapters._guard import Delivery, ToolGuard, session_for
from immuno.adapters._require import missing

try:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForToolRun,
        CallbackManagerForToolRun,
    )
    from langchain_core.messages import ToolMessage
    from langchain_core.runnables import RunnableConfig
    from langchain_core.tools import BaseTool
    from pydantic import ConfigDict, PrivateAttr
    from pydantic_core import to_jsonable_python
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise missing("immuno.adapters.langchain", "langchain", error) from None

THREAD_PREFIX = "langgraph"

# The id of the tool call being run (ToolNode invokes a tool with a ToolCall), so a
# refusal can be a ToolMessage with status "error".
_CALL_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "immuno_langchain_call_id", default=None
)


def thread_of(config: Mapping[str, Any] | None) -> object:
    """The LangGraph thread a run belongs to (``config["configurable"]["thread_id"]``)."""
    if not config:
        return None
    configurable = config.get("configurable") or {}
    return configurable.get("thread_id") if isinstance(configurable, Mapping) else None


def result_text(content: object) -> str:
    """What the model will read of a tool's output."""
    if isinstance(content, str):
        return content
    if isinstance(content, ToolMessage):
        return result_text(content.content)
    if isinstance(content, list) and all(isinstance(b, str | dict) for b in content):
        texts = [b if isinstance(b, str) else b.get("text") for b in content]
        if all(isinstance(t, str) for t in texts):  # text blocks only
            return "\n".join(typing.cast(list[str], texts))
    try:
        return str(to_jsonable_python(content, fallback=repr))
    except Exception:  # an output no encoder knows is judged by its repr
        return repr(content)


def _config_param(func: Callable[..., Any]) -> str | None:
    """The parameter of ``func`` that takes the RunnableConfig, as BaseTool finds it."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:
        return "config" if "config" in inspect.signature(func).parameters else None
    return next((name for name, hint in hints.items() if hint is RunnableConfig), None)


class GuardedTool(BaseTool):
    """A wrapped LangChain tool (see :func:`immuno.adapters.langchain.guard_tool`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseTool
    _guard: ToolGuard | None = PrivateAttr(default=None)

    def bind_guard(self, guard: ToolGuard) -> GuardedTool:
        """Set the checks this tool runs (once, right after it is made)."""
        self._guard = guard
        return self

    @property
    def guard(self) -> ToolGuard:
        if self._guard is None:  # fail closed: an unbound tool never runs
            raise RuntimeError(f"tool {self.name!r} has no immuno guard bound")
        return self._guard

    # -- Runnable: remember the tool call's id while it runs -------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        token = _CALL_ID.set(_call_id(input))
        try:
            return super().invoke(input, config, **kwargs)
        finally:
            _CALL_ID.reset(token)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        token = _CALL_ID.set(_call_id(input))
        try:
            return await super().ainvoke(input, config, **kwargs)
        finally:
            _CALL_ID.reset(token)

    # -- BaseTool ---------------------------------------------------------------------

    def _run(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        trace = session_for(THREAD_PREFIX, thread_of(config))
        refusal = self.guard.check_call(self._call_args(args, kwargs), trace)
        if refusal is not None:
            return self._refused(refusal)
        extra = self._extra(self.inner._run, config, run_manager)
        return self._checked(self.inner._run(*args, **kwargs, **extra), trace)

    async def _arun(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        trace = session_for(THREAD_PREFIX, thread_of(config))
        refusal = self.guard.check_call(self._call_args(args, kwargs), trace)
        if refusal is not None:
            return self._refused(refusal)
        extra = self._extra(self.inner._arun, config, run_manager)
        return self._checked(await self.inner._arun(*args, **kwargs, **extra), trace)

    # -- the checks ---------------------------------------------------------------------

    def _call_args(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments the model chose (injected state, store, runtime and call id
        left out), as JSON values: what the policy judges."""
        visible = self._visible_args()
        chosen = {k: v for k, v in kwargs.items() if visible is None or k in visible}
        names = [n for n in (visible or ()) if n not in chosen] or ["input"]
        chosen.update(zip(names, args, strict=False))  # a single-string tool input
        return {k: to_jsonable_python(v, fallback=repr) for k, v in chosen.items()}

    def _visible_args(self) -> list[str] | None:
        schema = self.inner.tool_call_schema
        if isinstance(schema, dict):
            properties = schema.get("properties")
            return list(properties) if isinstance(properties, dict) else None
        fields = getattr(schema, "model_fields", None)
        return list(fields) if isinstance(fields, dict) else None

    def _extra(
        self,
        method: Callable[..., Any],
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | AsyncCallbackManagerForToolRun | None,
    ) -> dict[str, Any]:
        """What the wrapped tool's ``_run`` asks for besides its arguments."""
        extra: dict[str, Any] = {}
        if run_manager is not None and "run_manager" in inspect.signature(method).parameters:
            extra["run_manager"] = run_manager
        if (param := _config_param(method)) is not None:
            extra[param] = config
        return extra

    def _checked(self, response: Any, trace: str | None) -> Any:
        """The response, or what replaces it once its output was judged."""
        pair = self.response_format == "content_and_artifact" and isinstance(response, tuple)
        content, artifact = response if pair and len(response) == 2 else (response, None)
        delivery = self.guard.check_result(result_text(content), trace)
        if not delivery.changed:
            return response
        if delivery.refused:
            return self._refused(delivery.text)
        replaced = _replaced(content, delivery)
        return (replaced, artifact) if pair else replaced

    def _refused(self, text: str) -> Any:
        """The refusal as output: a ToolMessage with status "error" when the call's
        id is known (the model sees an error), else the text."""
        call_id = _CALL_ID.get()
        output: Any = text
        if call_id is not None:
            output = ToolMessage(text, tool_call_id=call_id, name=self.name, status="error")
        return (output, None) if self.response_format == "content_and_artifact" else output


def _replaced(content: Any, delivery: Delivery) -> Any:
    """``content`` with its text replaced by what may be delivered."""
    if isinstance(content, ToolMessage):
        return content.model_copy(update={"content": delivery.text})
    return delivery.text


def _call_id(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("type") == "tool_call":
        call_id = value.get("id")
        return call_id if isinstance(call_id, str) else None
    return None
