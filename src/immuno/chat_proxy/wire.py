"""Reading an OpenAI chat-completions request: its messages, each with what it is.

The body is decoded once (msgspec) into plain JSON values and forwarded as it came
unless a message had to change; fields the proxy does not know are kept. Only what
the checks need is validated, and every problem names its field
(``messages[3].tool_call_id``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import msgspec

from immuno.chat_proxy.errors import malformed

_decode = msgspec.json.Decoder().decode
encode = msgspec.json.Encoder().encode

# Roles whose text is the user's or the developer's own words; ``developer`` is the
# newer name of ``system``.
USER_ROLES = frozenset({"user", "system", "developer"})
TOOL_ROLES = frozenset({"tool", "function"})
ROLES = USER_ROLES | TOOL_ROLES | {"assistant"}
# The legacy functions API: its calls would reach the client unchecked by the rules
# for ``tool_calls``, so it is refused rather than passed on.
LEGACY_FIELDS = ("functions", "function_call")


@dataclass(frozen=True)
class Message:
    """One message of the request, as the checks see it."""

    index: int
    role: str
    text: str  # what the model reads of it (text parts joined)
    tool: str | None = None  # for a tool result: the tool that returned it
    call_id: str | None = None

    @property
    def field(self) -> str:
        return f"messages[{self.index}]"

    @property
    def digest(self) -> str:
        """What identifies the message across turns (role, tool, call id and text)."""
        key = encode((self.role, self.tool, self.call_id, self.text))
        return hashlib.blake2b(key, digest_size=16).hexdigest()


def decode_json(raw: bytes, what: str = "the body") -> Any:
    try:
        return _decode(raw)
    except msgspec.DecodeError as exc:
        raise malformed("", f"{what} is not valid JSON ({exc})") from None


def read_request(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object with a non-empty ``messages`` list."""
    if not raw.strip():
        raise malformed("", "the body is empty; send a chat-completions JSON object")
    body = decode_json(raw)
    if not isinstance(body, dict):
        raise malformed("", f"the body must be a JSON object, got {type(body).__name__}")
    for name in LEGACY_FIELDS:
        if name in body:
            raise malformed(name, "the legacy functions API is not checked; use tools")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise malformed("messages", "must be a non-empty list of message objects")
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise malformed("stream", f"must be true or false, got {stream!r}")
    return body


def content_text(content: Any, field: str, *, text_only: bool) -> str:
    """The text of a message's ``content``: a string, null, or a list of parts. Parts
    that are not text (images, audio) are not read; where only text may be
    (``text_only``: a tool result, which is replaced whole when stopped) they are refused."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise malformed(field, f"must be a string, null or a list of parts, got {content!r}")
    texts: list[str] = []
    for number, part in enumerate(content):
        where = f"{field}[{number}]"
        if not isinstance(part, dict):
            raise malformed(where, "a content part must be an object")
        if part.get("type") == "text":
            text = part.get("text")
            if not isinstance(text, str):
                raise malformed(f"{where}.text", "must be a string")
            texts.append(text)
        elif text_only:
            raise malformed(f"{where}.type", f"must be 'text' here, got {part.get('type')!r}")
    return "\n".join(texts)


def read_messages(body: dict[str, Any]) -> list[Message]:
    """Every message, with each tool result named by the call it answers."""
    tools: dict[str, str] = {}  # tool_call_id -> function name, from assistant messages
    out: list[Message] = []
    for index, raw in enumerate(body["messages"]):
        field = f"messages[{index}]"
        if not isinstance(raw, dict):
            raise malformed(field, "must be an object")
        role = raw.get("role")
        if role not in ROLES:
            allowed = ", ".join(sorted(ROLES))
            raise malformed(f"{field}.role", f"must be one of {allowed}, got {role!r}")
        if role == "assistant":
            _note_calls(raw, field, tools)
            out.append(Message(index, role, ""))
            continue
        text = content_text(raw.get("content"), f"{field}.content", text_only=role in TOOL_ROLES)
        if role == "tool":
            call_id = raw.get("tool_call_id")
            if not isinstance(call_id, str) or not call_id:
                raise malformed(f"{field}.tool_call_id", "a tool message must name its call")
            if call_id not in tools:
                raise malformed(
                    f"{field}.tool_call_id",
                    f"no earlier assistant tool call has the id {call_id!r}",
                )
            out.append(Message(index, role, text, tool=tools[call_id], call_id=call_id))
        elif role == "function":
            name = raw.get("name")
            if not isinstance(name, str) or not name:
                raise malformed(f"{field}.name", "a function message must name its function")
            out.append(Message(index, role, text, tool=name))
        else:
            out.append(Message(index, role, text))
    return out


def _note_calls(raw: dict[str, Any], field: str, tools: dict[str, str]) -> None:
    calls = raw.get("tool_calls")
    if calls is None:
        return
    if not isinstance(calls, list):
        raise malformed(f"{field}.tool_calls", "must be a list")
    for number, call in enumerate(calls):
        where = f"{field}.tool_calls[{number}]"
        function = call.get("function") if isinstance(call, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        call_id = call.get("id") if isinstance(call, dict) else None
        if not isinstance(call_id, str) or not isinstance(name, str):
            raise malformed(where, "a tool call needs a string id and function.name")
        tools[call_id] = name
