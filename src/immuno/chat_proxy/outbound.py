"""A complete (non-streaming) chat completion, checked before the client sees it.

For each choice: the assistant's text is checked as ``output`` (stopped: replaced by
a note, ``finish_reason`` ``content_filter``); each ``tool_calls`` entry is checked
against the agent's manifest. A call refused or held is removed, and the reason is
added to the assistant's content, so the client (and the model, on the next turn)
reads why; when no call is left, ``finish_reason`` ``tool_calls`` becomes ``stop``.
A reply nothing changed in is passed on byte for byte.
"""

from __future__ import annotations

from typing import Any

from immuno.chat_proxy.errors import ProxyError
from immuno.chat_proxy.judge import Turn
from immuno.chat_proxy.wire import content_text, decode_json, encode
from immuno.core.verdict import Verdict


def invalid_upstream(problem: str) -> ProxyError:
    """The upstream answered something the proxy cannot check: nothing is passed on."""
    return ProxyError(502, "upstream_invalid", f"the upstream's reply {problem}; not passed on")


def output_stopped(verdict: Verdict) -> str:
    return f"[immuno withheld the assistant's reply: {verdict.explain()}]"


def output_stopped_late(verdict: Verdict) -> str:
    """The same, for a streamed reply: its text has been sent and cannot be taken back."""
    lead = "[immuno stopped the reply above once it was complete, after it was sent"
    return f"{lead}: {verdict.explain()}]"


def legacy_refusal() -> str:
    return "[immuno refused a legacy function_call: only tool_calls are checked]"


def with_notes(content: object, notes: list[str]) -> str:
    """The assistant's text with the proxy's notes after it."""
    text = content if isinstance(content, str) else ""
    return "\n".join([text, *notes]) if text else "\n".join(notes)


def finish_after(reason: object, calls_left: int) -> object:
    """``finish_reason`` once refused calls are gone: no call left is a plain stop."""
    if reason in ("tool_calls", "function_call") and calls_left == 0:
        return "stop"
    return reason


def check_completion(turn: Turn, raw: bytes) -> bytes:
    """The reply to pass on: ``raw`` itself when nothing changed."""
    try:
        data = decode_json(raw, "the upstream's reply")
    except ProxyError:
        raise invalid_upstream("is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise invalid_upstream("has no choices list")
    changed = False
    for number, choice in enumerate(data["choices"]):
        if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
            changed = _check_choice(turn, choice, f"choices[{number}].message") or changed
    return encode(data) if changed else raw


def _check_choice(turn: Turn, choice: dict[str, Any], where: str) -> bool:
    message: dict[str, Any] = choice["message"]
    changed = False
    content = message.get("content")
    try:
        text = content_text(content, f"{where}.content", text_only=False)
    except ProxyError as exc:
        raise invalid_upstream(f"cannot be read ({exc.message})") from None
    if text:
        verdict = turn.output(text, f"{where}.content")
        if not verdict.allowed:
            message["content"] = output_stopped(verdict)
            choice["finish_reason"] = "content_filter"
            changed = True
    notes: list[str] = []
    calls = message.get("tool_calls")
    kept: list[Any] = []
    if calls is not None:
        if not isinstance(calls, list):
            raise invalid_upstream(f"has {where}.tool_calls that is not a list")
        for index, call in enumerate(calls):
            function = call.get("function") if isinstance(call, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            arguments = function.get("arguments") if isinstance(function, dict) else None
            outcome = turn.call(name, arguments, f"{where}.tool_calls[{index}]")
            if outcome.allowed:
                kept.append(call)
            else:
                notes.append(outcome.note)
        if len(kept) != len(calls):
            changed = True
            if kept:
                message["tool_calls"] = kept
            else:
                del message["tool_calls"]
    if message.pop("function_call", None) is not None:
        notes.append(legacy_refusal())
        changed = True
    if notes:
        message["content"] = with_notes(message.get("content"), notes)
        choice["finish_reason"] = finish_after(choice.get("finish_reason"), len(kept))
    return changed
