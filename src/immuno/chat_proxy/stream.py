"""A streamed chat completion (server-sent events), checked as it passes.

Content deltas pass at once, as they come. Tool-call deltas are held back: each
call is put together from its pieces (``id``, ``function.name``, ``arguments``
arriving split across chunks) until its choice finishes (``finish_reason``, or
``data: [DONE]``, or the end of the stream); then every call of the choice is
checked and the calls allowed are sent, each whole in one delta (re-numbered from
0), followed by a content delta with the reason for each call refused or held, then
the finishing chunk (``finish_reason`` ``stop`` when no call is left). The text the
choice streamed is checked as ``output`` once it is complete; it has been sent by
then, so a stop is reported in a last content delta rather than taken back.

Events that carry no choice (usage chunks, comments, ``data: [DONE]``) and chunks
nothing was taken from are passed on byte for byte (line ends read as ``\\n``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from immuno.chat_proxy.errors import ProxyError
from immuno.chat_proxy.judge import Turn
from immuno.chat_proxy.outbound import (
    finish_after,
    invalid_upstream,
    legacy_refusal,
    output_stopped_late,
)
from immuno.chat_proxy.wire import decode_json, encode

DONE = "[DONE]"
MAX_EVENT = 16 * 1024 * 1024  # bytes of one event before the stream is refused


@dataclass
class _Call:
    id: str = ""
    type: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _Choice:
    text: list[str] = field(default_factory=list)
    calls: dict[int, _Call] = field(default_factory=dict)
    legacy: bool = False


def event(payload: Any) -> bytes:
    """One server-sent event carrying ``payload`` as JSON."""
    return b"data: " + encode(payload) + b"\n\n"


class StreamChecker:
    """Feed it the upstream's bytes; it returns the events to send on."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self._pending = b""
        self._carry = b""
        self._choices: dict[int, _Choice] = {}
        self._template: dict[str, Any] = {"object": "chat.completion.chunk"}

    def feed(self, data: bytes) -> list[bytes]:
        data = self._carry + data
        # a CR LF split across two reads is joined before line ends are read
        self._carry = b"\r" if data.endswith(b"\r") else b""
        data = data[:-1] if self._carry else data
        searched = max(0, len(self._pending) - 1)
        self._pending += data.replace(b"\r\n", b"\n")
        out: list[bytes] = []
        while (end := self._pending.find(b"\n\n", searched)) >= 0:
            raw, self._pending = self._pending[: end + 2], self._pending[end + 2 :]
            searched = 0
            out.extend(self._event(raw))
        if len(self._pending) > MAX_EVENT:
            raise invalid_upstream(f"sent a stream event over {MAX_EVENT} bytes")
        return out

    def close(self) -> list[bytes]:
        """The upstream ended: the last event, then every call still held back."""
        rest = self._pending + self._carry
        out = self._event(rest + b"\n\n") if rest.strip() else []
        self._pending = self._carry = b""
        for index in sorted(self._choices):
            out.extend(self._finish(index)[0])
        return out

    # -- one event -----------------------------------------------------------------

    def _event(self, raw: bytes) -> list[bytes]:
        lines = [line for line in raw.decode("utf-8", "replace").split("\n") if line]
        data = [line[5:].removeprefix(" ") for line in lines if line.startswith("data:")]
        if not data:
            return [raw]  # a comment or a bare event name: nothing to check
        payload = "\n".join(data)
        if payload.strip() == DONE:
            out: list[bytes] = []
            for index in sorted(self._choices):
                out.extend(self._finish(index)[0])
            return [*out, raw]
        try:
            chunk = decode_json(payload.encode(), "a stream event")
        except ProxyError:
            raise invalid_upstream("has a stream event that is not JSON") from None
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if not isinstance(choices, list) or not choices:
            return [raw]  # usage, or an error object: passed on as it is
        self._template = {k: v for k, v in chunk.items() if k not in ("choices", "usage")}
        before: list[bytes] = []
        kept: list[Any] = []
        changed = False
        for position, choice in enumerate(choices):
            if not isinstance(choice, dict):
                kept.append(choice)
                continue
            took, finished = self._take(choice, position)
            changed = changed or took
            if finished:
                changed = True
                if choice.get("delta"):  # what the finishing chunk still says goes first
                    before.append(self._chunk_of({**choice, "finish_reason": None}))
                    choice["delta"] = {}
                before.extend(finished)
            if _has_something(choice):
                kept.append(choice)
        if not changed:
            return [*before, raw]
        if kept or chunk.get("usage") is not None:
            chunk["choices"] = kept
            return [*before, event(chunk)]
        return before

    def _take(self, choice: dict[str, Any], position: int) -> tuple[bool, list[bytes] | None]:
        """Hold back the choice's call deltas; when it finishes, the events its calls
        make. (whether something was taken, those events or None)."""
        index = choice.get("index", position)
        index = index if isinstance(index, int) else position
        state = self._choices.setdefault(index, _Choice())
        took = False
        delta = choice.get("delta")
        if isinstance(delta, dict):
            content = delta.get("content")
            if isinstance(content, str):
                state.text.append(content)
            calls = delta.pop("tool_calls", None)
            if calls is not None:
                took = True
                self._collect(state, calls)
            if delta.pop("function_call", None) is not None:
                took, state.legacy = True, True
        reason = choice.get("finish_reason")
        if reason is None:
            return took, None
        finished, left = self._finish(index)
        after = finish_after(reason, left)
        if after != reason:
            choice["finish_reason"] = after
            took = True
        return took, finished

    def _collect(self, state: _Choice, calls: object) -> None:
        if not isinstance(calls, list):
            raise invalid_upstream("has a tool_calls delta that is not a list")
        for position, piece in enumerate(calls):
            if not isinstance(piece, dict):
                raise invalid_upstream("has a tool call delta that is not an object")
            number = piece.get("index", position)
            call = state.calls.setdefault(number if isinstance(number, int) else position, _Call())
            if isinstance(piece.get("id"), str):
                call.id = piece["id"]
            if isinstance(piece.get("type"), str):
                call.type = piece["type"]
            function = piece.get("function")
            if isinstance(function, dict):
                if isinstance(function.get("name"), str):
                    call.name += function["name"]
                if isinstance(function.get("arguments"), str):
                    call.arguments.append(function["arguments"])

    def _finish(self, index: int) -> tuple[list[bytes], int]:
        """Check the choice's calls and text; the events to send before it finishes,
        and how many calls are left."""
        state = self._choices.pop(index, None)
        if state is None:
            return [], 0
        allowed: list[dict[str, Any]] = []
        notes: list[str] = []
        for number in sorted(state.calls):
            call = state.calls[number]
            where = f"choices[{index}].tool_calls[{number}]"
            outcome = self.turn.call(call.name, "".join(call.arguments), where)
            if not outcome.allowed:
                notes.append(outcome.note)
                continue
            allowed.append(
                {
                    "index": len(allowed),
                    "id": call.id,
                    "type": call.type or "function",
                    "function": {"name": call.name, "arguments": "".join(call.arguments)},
                }
            )
        if state.legacy:
            notes.append(legacy_refusal())
        text = "".join(state.text)
        if text:
            verdict = self.turn.output(text, f"choices[{index}].delta.content")
            if not verdict.allowed:
                notes.append(output_stopped_late(verdict))
        out: list[bytes] = []
        if allowed:
            out.append(self._chunk(index, {"tool_calls": allowed}))
        if notes:
            lead = "\n" if text else ""
            out.append(self._chunk(index, {"content": lead + "\n".join(notes)}))
        return out, len(allowed)

    def _chunk(self, index: int, delta: dict[str, Any]) -> bytes:
        return self._chunk_of({"index": index, "delta": delta, "finish_reason": None})

    def _chunk_of(self, choice: dict[str, Any]) -> bytes:
        return event({**self._template, "choices": [choice]})


def _has_something(choice: dict[str, Any]) -> bool:
    """A choice still worth sending once its call deltas are taken out."""
    delta = choice.get("delta")
    return bool(delta) or choice.get("finish_reason") is not None or bool(choice.get("logprobs"))
