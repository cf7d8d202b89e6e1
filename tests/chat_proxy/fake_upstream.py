"""A scripted OpenAI-compatible upstream: it answers each chat request with the next
scripted reply (a completion, or a stream of chunks) and records what it received."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

GATE_SECONDS = 10.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""

    def json(self) -> Any:
        return msgspec.json.decode(self.body)


@dataclass
class Stream:
    """Chunks sent as server-sent events; the stream waits at ``gate_at`` (an index
    into ``events``) until the gate opens."""

    events: list[bytes]
    gate_at: int | None = None


@dataclass
class FakeUpstream:
    replies: deque[bytes | Stream | tuple[int, bytes]] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)

    def reply(self, completion: dict[str, Any] | bytes) -> bytes:
        raw = completion if isinstance(completion, bytes) else msgspec.json.encode(completion)
        self.replies.append(raw)
        return raw

    def stream(self, chunks: Sequence[dict[str, Any] | str], gate_at: int | None = None) -> Stream:
        events = [
            b"data: " + (c.encode() if isinstance(c, str) else msgspec.json.encode(c)) + b"\n\n"
            for c in chunks
        ]
        scripted = Stream(events, gate_at)
        self.replies.append(scripted)
        return scripted

    @property
    def last(self) -> Received:
        return self.received[-1]

    def app(self) -> Starlette:
        async def chat(request: Request) -> Response:
            body = await request.body()
            headers = dict(request.headers)
            self.received.append(Received(request.url.path, headers, body, request.url.query))
            scripted = self.replies.popleft()
            if isinstance(scripted, bytes):
                return Response(scripted, media_type="application/json")
            if isinstance(scripted, tuple):
                return Response(scripted[1], scripted[0], media_type="application/json")
            return StreamingResponse(self._events(scripted), media_type="text/event-stream")

        async def models(request: Request) -> Response:
            self.received.append(Received(request.url.path, dict(request.headers), b""))
            return Response(b'{"object":"list","data":[{"id":"fake-1","object":"model"}]}')

        return Starlette(
            routes=[
                Route("/v1/chat/completions", chat, methods=["POST"]),
                Route("/v1/models", models, methods=["GET"]),
            ]
        )

    async def _events(self, scripted: Stream) -> AsyncIterator[bytes]:
        for number, raw in enumerate(scripted.events):
            if number == scripted.gate_at:
                deadline = time.monotonic() + GATE_SECONDS
                while not self.gate.is_set():
                    if time.monotonic() > deadline:  # the client never saw what came first
                        yield b'data: {"error": "the gate never opened"}\n\n'
                        return
                    await asyncio.sleep(0.005)
            yield raw


def completion(
    content: str | None = None,
    calls: Sequence[dict[str, Any]] = (),
    finish: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = list(calls)
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-1",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish or ("tool_calls" if calls else "stop"),
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def call(call_id: str, name: str, arguments: dict[str, Any] | str) -> dict[str, Any]:
    text = arguments if isinstance(arguments, str) else msgspec.json.encode(arguments).decode()
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-2",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "fake-1",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


def call_deltas(
    number: int, call_id: str, name: str, arguments: str, pieces: int = 3
) -> list[dict[str, Any]]:
    """A tool call as a model streams it: id and name first, the arguments in pieces."""
    step = max(1, -(-len(arguments) // pieces))
    first = {"index": number, "id": call_id, "type": "function"}
    out = [chunk({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]})]
    for at in range(0, len(arguments), step):
        piece = {"index": number, "function": {"arguments": arguments[at : at + step]}}
        out.append(chunk({"tool_calls": [piece]}))
    return out


USAGE = {
    "id": "chatcmpl-2",
    "object": "chat.completion.chunk",
    "created": 1_700_000_000,
    "model": "fake-1",
    "choices": [],
    "usage": {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17},
}
