"""ImmunoCallbackHandler: immuno on LangChain's callbacks, for tools you cannot wrap.

A callback cannot change what a tool returns, so every refusal raises
(``raise_error = True``): the run stops with :class:`Blocked` or
:class:`HeldForApproval`. It checks

* every tool start (``guard_call``) before the tool runs: a refused call never runs;
* every tool end (``guard_result``): a stopped output, or one immuno would only
  deliver with the injected sentences cut out (:class:`Excised`), stops the run
  before the model reads it;
* every chat model start: each tool message in the model's input that no tool end
  checked (a tool that ran outside LangChain's callbacks) is checked first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from immuno.adapters._guard import check_name, check_provenance, session_for
from immuno.adapters._langchain_tool import THREAD_PREFIX, result_text
from immuno.adapters._require import missing
from immuno.core.sdk import guard_call, guard_result
from immuno.core.signal import Provenance

try:
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.messages import BaseMessage, ToolMessage
    from pydantic_core import to_jsonable_python
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise missing("immuno.adapters.langchain", "langchain", error) from None

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

_KEPT = 4096  # tool calls and runs remembered (oldest forgotten first)


class ImmunoCallbackHandler(BaseCallbackHandler):
    """Checks tool calls, tool outputs and the model's tool messages for ``agent``.

    Pass it in the run's config (``{"callbacks": [handler]}``) or to the agent's
    ``with_config``. ``names`` maps a tool's LangChain name to its manifest name.
    The session is the caller's (``with immune.session()``), else the thread named by
    the run's metadata (``thread_id``, which LangGraph sets), else none.
    """

    raise_error = True  # a refusal must stop the run, never be logged and ignored
    run_inline = True  # checks run in the caller's context (its immuno session)

    def __init__(
        self,
        immune: Immune,
        *,
        agent: str,
        names: Mapping[str, str] | None = None,
        provenance: Provenance = Provenance.UNTRUSTED,
    ) -> None:
        self.immune = immune
        self.agent = check_name(agent, "agent")
        self.names = dict(names or {})
        self.provenance = check_provenance(provenance)
        self._runs: OrderedDict[UUID, tuple[str, str | None]] = OrderedDict()
        self._checked: OrderedDict[str, None] = OrderedDict()  # tool call ids
        self._lock = threading.Lock()

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        tool = self._tool(serialized.get("name"))
        trace = session_for(THREAD_PREFIX, (metadata or {}).get("thread_id"))
        with self._lock:
            self._keep(self._runs, run_id, (tool, trace))
        given = inputs if inputs is not None else {"input": input_str}
        args = {k: to_jsonable_python(v, fallback=repr) for k, v in given.items()}
        guard_call(self.immune, self.agent, tool, args, trace=trace)

    def on_tool_end(
        self,
        output: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        with self._lock:
            tool, trace = self._runs.pop(run_id, (self._tool(kwargs.get("name")), None))
        if isinstance(output, ToolMessage):
            with self._lock:
                self._keep(self._checked, output.tool_call_id, None)
        content = result_text(output)
        guard_result(
            self.immune, self.agent, tool, content, provenance=self.provenance, trace=trace
        )

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        trace = session_for(THREAD_PREFIX, (metadata or {}).get("thread_id"))
        for message in _tool_messages(messages):
            with self._lock:
                if message.tool_call_id in self._checked:
                    continue
                self._keep(self._checked, message.tool_call_id, None)
            tool = self._tool(message.name)
            guard_result(
                self.immune,
                self.agent,
                tool,
                result_text(message),
                provenance=self.provenance,
                trace=trace,
            )

    def _tool(self, name: object) -> str:
        """The manifest name of a LangChain tool (unnamed: ``unknown``, refused)."""
        text = name if isinstance(name, str) and name else "unknown"
        return self.names.get(text, text)

    @staticmethod
    def _keep(book: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        book[key] = value
        book.move_to_end(key)
        while len(book) > _KEPT:
            book.popitem(last=False)


def _tool_messages(batches: Sequence[Sequence[BaseMessage]]) -> list[ToolMessage]:
    return [m for batch in batches for m in batch if isinstance(m, ToolMessage)]
