"""The upstream of the chat proxy benchmark: a fixed OpenAI-style reply, whole or as
server-sent events, served by uvicorn on the port given (``python _chat_upstream.py
PORT``). The same process answers the direct and the proxied requests alike."""

from __future__ import annotations

import sys

import msgspec
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

REPLY = (
    "The quarterly figures look steady: revenue grew four percent, costs held flat, "
    "and the two open invoices are due on Friday. Shall I draft the reminder e-mails?"
)
PIECES = 20  # content deltas of a streamed reply

_encode = msgspec.json.Encoder().encode
COMPLETION = _encode(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "bench-1",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": REPLY},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140},
    }
)


def _chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "model": "bench-1"}
    return b"data: " + _encode({**body, "choices": [choice]}) + b"\n\n"


_STEP = -(-len(REPLY) // PIECES)
_EVENTS = [
    _chunk({"role": "assistant", "content": ""}),
    *(_chunk({"content": REPLY[at : at + _STEP]}) for at in range(0, len(REPLY), _STEP)),
    _chunk({}, "stop"),
    b"data: [DONE]\n\n",
]


async def chat(request: Request) -> Response:
    body = msgspec.json.decode(await request.body())
    if body.get("stream"):

        async def events():  # type: ignore[no-untyped-def]
            for event in _EVENTS:
                yield event

        return StreamingResponse(events(), media_type="text/event-stream")
    return Response(COMPLETION, media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/healthz", healthz)]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
