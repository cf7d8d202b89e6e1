"""What a server gives the model to read besides tool results: the contents of a
resource (``resources/read``) and the messages of a prompt (``prompts/get``).

Each text is checked as untrusted content, in the connection's session, like a
tool's output (the signal names ``mcp:<server>/resources/read`` or
``mcp:<server>/prompts/get``). An injected sentence is cut out where that suffices;
otherwise the proxy answers the request with a JSON-RPC error that says why, and the
content never reaches the client. A check that fails withholds it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from immuno.mcp_proxy.calls import CallGuard, text_of, with_text

METHODS = {"resources/read": "contents", "prompts/get": "messages"}


def checked_read(
    guard: CallGuard, method: str, source: str, result: Mapping[str, Any], trace: str | None
) -> dict[str, Any] | None:
    """The result to deliver in place of ``result`` (None: as it is); raises
    :class:`~immuno.mcp_proxy.calls.Stopped` when it must not be delivered."""
    key = METHODS[method]
    items = result.get(key)
    if not isinstance(items, list):
        return None
    delivered: list[Any] = []
    changed = False
    for item in items:
        kept = _checked_item(guard, method, source, item, trace)
        changed = changed or kept is not item
        delivered.append(kept)
    return {**result, key: delivered} if changed else None


def _checked_item(
    guard: CallGuard, method: str, source: str, item: object, trace: str | None
) -> object:
    if not isinstance(item, dict):
        return item
    if method == "prompts/get":  # a message: its content is one content block
        block = item.get("content")
        text = text_of(block)
        if text is None or not isinstance(block, dict):
            return item
        kept = guard.check_text(source, text, trace, excisable=True)
        return item if kept == text else {**item, "content": with_text(block, kept)}
    text = item.get("text")  # a resource's contents: text, or a blob (not read)
    if not isinstance(text, str):
        return item
    kept = guard.check_text(source, text, trace, excisable=True)
    return item if kept == text else {**item, "text": kept}
