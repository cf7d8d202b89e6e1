"""The floor for the chat proxy benchmark: a bare forwarder on the same stack as the
proxy (Starlette, uvicorn, an aiohttp session as in ``immuno.upstream``) that reads
the request, sends it to the upstream and passes the reply back, whole or streamed,
checking nothing.

Run: python _chat_bare_proxy.py PORT UPSTREAM_URL
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

UPSTREAM = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:1/v1"
sessions: list[aiohttp.ClientSession] = []  # made in the server's event loop


async def chat(request: Request) -> Response:
    body = await request.body()
    reply = await sessions[0].post(
        f"{UPSTREAM}/chat/completions", data=body, headers={"content-type": "application/json"}
    )
    kind = reply.headers.get("content-type", "")
    if kind.startswith("text/event-stream"):

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for piece in reply.content.iter_any():
                    yield piece
            finally:
                reply.release()

        return StreamingResponse(relay(), media_type=kind)
    content = await reply.read()
    reply.release()
    return Response(content, status_code=reply.status, media_type=kind)


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    sessions.append(aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()))
    yield
    await sessions[0].close()


app = Starlette(
    routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
