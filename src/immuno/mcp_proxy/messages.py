"""JSON-RPC messages as the proxy reads and writes them.

Most messages cross untouched: only their head (``id``, ``method``) is decoded, and
the original bytes are forwarded. Those the proxy acts on are decoded whole.
"""

from __future__ import annotations

from typing import Any

import msgspec
from mcp_types import jsonrpc

# Keys a client may put in a request's ``params._meta`` for the proxy.
SESSION_META = "immuno/session"  # the immuno session (user task) the request belongs to
APPROVAL_META = "immuno/approval"  # an operator approval a held call now presents


class Head(msgspec.Struct):
    """What the relay needs to route a message; every other field is skipped."""

    id: int | str | None = None  # MCP ids are strings or integers
    method: str | None = None


_head = msgspec.json.Decoder(Head)
_encode = msgspec.json.Encoder().encode


def head(raw: bytes) -> Head | None:
    """The message's id and method; None when it is not one JSON-RPC object."""
    try:
        return _head.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def decode(raw: bytes) -> dict[str, Any] | None:
    try:
        message = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    return message if isinstance(message, dict) else None


def encode(message: dict[str, Any]) -> bytes:
    return _encode(message)


def error(id: Any, code: int, message: str) -> bytes:
    return encode({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})


def parse_error(problem: str) -> bytes:
    return error(None, jsonrpc.PARSE_ERROR, f"immuno mcp proxy: {problem}")


def refusal(id: Any, text: str) -> bytes:
    """A ``tools/call`` answered by the proxy: an error result the model can read."""
    return encode({"jsonrpc": "2.0", "id": id, "result": error_result(text)})


def error_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": True}


def meta_str(params: object, key: str) -> str | None:
    """A string the request carries in ``params._meta[key]``, if any."""
    if not isinstance(params, dict):
        return None
    meta = params.get("_meta")
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, str) and value else None
