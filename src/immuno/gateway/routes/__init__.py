"""Every route of the gateway, in one table: it builds the Starlette routes and the
OpenAPI document, so no route can be served undocumented."""

from __future__ import annotations

from starlette.routing import Route

from immuno.gateway.routes import audit, check, health, incidents, messages, operate, sessions
from immuno.gateway.routes.spec import Api
from immuno.gateway.service import endpoint

API: tuple[Api, ...] = (
    *check.API,
    *sessions.API,
    *messages.API,
    *operate.API,
    *incidents.API,
    *audit.API,
    *health.API,
)


def routes() -> list[Route]:
    return [Route(a.path, endpoint(a.name, a.handler), methods=[a.method]) for a in API]
