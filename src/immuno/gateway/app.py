"""The Starlette application of the gateway.

``build_app(immune)`` serves an ``Immune`` you built; ``create_app()`` is the factory
``immuno serve`` gives uvicorn (each worker process calls it): it reads the
configuration file named by ``IMMUNO_CONFIG`` (default ``./immuno.yaml`` if present).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from immuno.core.config import GatewayConfig, load_config
from immuno.core.pipeline import Immune
from immuno.gateway.limits import RateLimiter
from immuno.gateway.replies import HTTPError
from immuno.gateway.routes import routes
from immuno.gateway.service import Gateway
from immuno.gateway.tracing import Tracing
from immuno.gateway.ui import routes as dashboard

CONFIG_ENV = "IMMUNO_CONFIG"


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, wrong method) as JSON too."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "error")
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    return HTTPError(status, code, str(detail), headers=headers).response()


def build_app(
    immune: Immune,
    settings: GatewayConfig | None = None,
    *,
    limiter: RateLimiter | None = None,
    tracing: Tracing | None = None,
    close: bool = False,
) -> Starlette:
    """The gateway over ``immune``. With ``close``, the app closes it on shutdown.
    ``tracing`` replaces what ``gateway.tracing`` would set up (``tracing.py``)."""
    settings = settings or immune.config.gateway
    gateway = Gateway(immune, settings, limiter=limiter, tracing=tracing)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            gateway.tracing.close()
            if close:
                immune.close()

    app = Starlette(
        routes=[*routes(), *dashboard()],  # the API, then the dashboard at /ui
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    return app


def create_app() -> Starlette:
    """The factory each worker runs: the configured ``Immune``, closed on shutdown."""
    config = load_config(os.environ.get(CONFIG_ENV) or None)
    return build_app(Immune(config), close=True)
