"""The floor for the chat proxy benchmark: a bare forwarder on the same stack
(Starlette, uvicorn, an httpx AsyncClient) that reads the request, sends it to the
upstream and passes the reply back, whole or streamed, checking nothing.

Run: python _chat_bare_proxy.py PORT UPSTREAM_URL
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

UPSTREAM = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:1/v1"
client = httpx.AsyncClient(timeout=30.0)


async def chat(request: Request) -> Response:
    body = await request.body()
    headers = {"content-type": "application/json"}
    sent = client.build_request(
        "POST", f"{UPSTREAM}/chat/completions", content=body, headers=headers
    )
    reply = await client.send(sent, stream=True)
    kind = reply.headers.get("content-type", "")
    if kind.startswith("text/event-stream"):

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for piece in reply.aiter_bytes():
                    yield piece
            finally:
                await reply.aclose()

        return StreamingResponse(relay(), media_type=kind)
    content = await reply.aread()
    await reply.aclose()
    return Response(content, status_code=reply.status_code, media_type=kind)


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    await client.aclose()


app = Starlette(
    routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
