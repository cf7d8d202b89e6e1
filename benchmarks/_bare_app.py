"""The floor for the gateway benchmark: a bare Starlette endpoint that reads the same
body, decodes it into the same msgspec ``Signal`` and answers a small JSON, nothing
else (no authentication, no layers, no audit). Served by the same uvicorn."""

from __future__ import annotations

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from immuno.core.signal import Signal

_decode = msgspec.json.Decoder(Signal).decode
_encode = msgspec.json.Encoder().encode


async def check(request: Request) -> Response:
    signal = _decode(await request.body())
    body = _encode({"signal_id": signal.id, "action": "allow", "allowed": True})
    return Response(body, media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def create_app() -> Starlette:
    return Starlette(
        routes=[Route("/v1/check", check, methods=["POST"]), Route("/healthz", healthz)]
    )
