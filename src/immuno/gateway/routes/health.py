"""Liveness, readiness, metrics and the OpenAPI document (no authentication)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from immuno.gateway.metrics import CONTENT_TYPE
from immuno.gateway.replies import reply, unavailable
from immuno.gateway.routes.spec import Api
from immuno.gateway.schemas import Health
from immuno.gateway.service import Gateway


async def healthz(gateway: Gateway, request: Request) -> Response:
    return reply(Health("ok"))


async def readyz(gateway: Gateway, request: Request) -> Response:
    if not gateway.ready():
        raise unavailable("the store is unreachable")
    return reply(Health("ready"))


async def metrics(gateway: Gateway, request: Request) -> Response:
    return Response(gateway.metrics.render(), media_type=CONTENT_TYPE)


async def openapi(gateway: Gateway, request: Request) -> Response:
    from immuno.gateway.openapi import document  # built from the route table itself

    return reply(document())


API = (
    Api("GET", "/healthz", healthz, "The process is alive", access="public", reply=Health),
    Api(
        "GET",
        "/readyz",
        readyz,
        "The store answers (503 when it does not)",
        access="public",
        reply=Health,
    ),
    Api(
        "GET",
        "/metrics",
        metrics,
        "Prometheus metrics of this worker",
        access="public",
        media="text/plain",
    ),
    Api("GET", "/openapi.json", openapi, "This document", access="public"),
)
