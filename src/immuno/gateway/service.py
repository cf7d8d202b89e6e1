"""The gateway's state (one per worker) and the wrapper every route runs in.

A worker decides one signal at a time: checks run on the event loop, not in a
thread pool, because a check costs micro- to milliseconds and the layers keep
per-worker caches. Throughput scales with ``--workers`` (processes sharing the store).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from immuno.core.config import GatewayConfig
from immuno.core.errors import InputError, StoreError
from immuno.core.pipeline import Immune
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.gateway.auth import Authenticator, Principal, require_operator
from immuno.gateway.inbox import Inbox, SessionBook
from immuno.gateway.limits import (
    RateLimiter,
    SharedBuckets,
    TokenBuckets,
    read_body,
    too_many,
)
from immuno.gateway.metrics import Metrics
from immuno.gateway.replies import HTTPError, invalid, unavailable
from immuno.gateway.schemas import decode
from immuno.gateway.tracing import Tracing

log = logging.getLogger("immuno.gateway")
T = TypeVar("T")

# Findings the pipeline adds when a component failed; after one, the gateway asks
# whether the store itself is gone (then 503) rather than answer a block as if judged.
_FAILURE_CODES = frozenset({"layer.error", "audit.seal_failed"})


class Gateway:
    def __init__(
        self,
        immune: Immune,
        settings: GatewayConfig,
        *,
        limiter: RateLimiter | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.immune = immune
        self.settings = settings
        self.auth = Authenticator(immune, settings.audience)
        shared = immune.shared
        self.limiter: RateLimiter = limiter or (
            SharedBuckets(shared, settings.rate, settings.burst)
            if shared is not None  # one allowance across workers and replicas
            else TokenBuckets(settings.rate, settings.burst)
        )
        self.metrics = Metrics(immune)
        self.tracing = tracing or Tracing.configured(settings.tracing)
        self.inbox = Inbox(immune.store, immune.clock)
        self.sessions = SessionBook(immune.store, immune.clock)

    # -- the store ------------------------------------------------------------------

    def ready(self) -> bool:
        """The store answers a cheap query."""
        try:
            self.immune.store.query("SELECT 1")
        except Exception:
            return False
        return True

    # -- deciding -------------------------------------------------------------------

    def check(self, signal: Signal) -> Verdict:
        """Run the pipeline (see :meth:`observe`)."""
        if self.tracing.tracer is None:
            return self.observe(signal.kind.value, self.immune.check(signal))
        with self.tracing.check(signal) as span:
            verdict = self.immune.check(signal)
            self.tracing.verdict(span, verdict)
        return self.observe(signal.kind.value, verdict)

    def observe(self, kind: str, verdict: Verdict) -> Verdict:
        """Count a verdict. One a component failed on because the store is down is a
        503, never an answer (and never an allow)."""
        if any(f.code in _FAILURE_CODES for f in verdict.findings) and not self.ready():
            raise unavailable("the store is unreachable; nothing was decided")
        self.metrics.verdict(kind, verdict)
        return verdict

    # -- requests -------------------------------------------------------------------

    async def body(self, request: Request, kind: type[T]) -> T:
        return decode(await read_body(request, self.settings.max_body_bytes), kind)

    def admit(self, request: Request, *, operator: bool = False, cost: float = 1.0) -> Principal:
        """Authenticate, check the role, and spend from the caller's rate budget."""
        principal = self.auth.authenticate(request)
        if operator:
            require_operator(principal)
        grant = self.limiter.take(principal.agent, cost)
        if not grant:
            raise too_many(grant)
        return principal


Handler = Callable[[Gateway, Request], Awaitable[Response]]


def endpoint(name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a route: errors become JSON replies, every request is timed."""

    async def run(request: Request) -> Response:
        gateway: Gateway = request.app.state.gateway
        started = time.perf_counter()
        if gateway.tracing.tracer is None:
            response = await _answer(gateway, request, name, handler)
        else:
            with gateway.tracing.request(name, request.method, request.headers) as span:
                response = await _answer(gateway, request, name, handler)
                gateway.tracing.status(span, response.status_code)
        gateway.metrics.request(name, request.method, response.status_code, _since(started))
        return response

    return run


async def _answer(gateway: Gateway, request: Request, name: str, handler: Handler) -> Response:
    try:
        return await handler(gateway, request)
    except HTTPError as exc:
        return exc.response()
    except InputError as exc:
        return invalid(exc.field, exc.problem).response()
    except StoreError as exc:
        log.warning("store unreachable: %s", exc)
        return unavailable("the store is unreachable; nothing was decided").response()
    except Exception:  # fail closed: an error is never an allow
        log.exception("internal error in %s", name)
        problem = "internal error; nothing was decided or delivered"
        return HTTPError(500, "internal", problem).response()


def _since(started: float) -> float:
    return time.perf_counter() - started


def query_int(
    request: Request,
    name: str,
    default: int | None = None,
    *,
    low: int = 0,
    high: int | None = None,
) -> int:
    """An integer query parameter (``default`` when absent), or 422 naming it."""
    value = optional_int(request, name, low=low, high=high)
    if value is not None:
        return value
    if default is None:
        raise invalid(name, "required query parameter is missing")
    return default


def optional_int(
    request: Request, name: str, *, low: int = 0, high: int | None = None
) -> int | None:
    """An integer query parameter, None when absent, or 422 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, f"must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise invalid(name, f"must be {bound}, got {value}")
    return value
