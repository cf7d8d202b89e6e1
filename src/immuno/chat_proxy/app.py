"""The Starlette application of the chat proxy.

``POST /v1/chat/completions`` is checked on the way in and on the way out
(``judge.py``, ``outbound.py``, ``stream.py``); every other path under ``/v1/`` is
forwarded untouched (``/v1/models``, ``/v1/embeddings``), except the APIs that carry
tool calls the proxy does not check (``/v1/responses``, assistants, threads,
realtime): those are refused, so an agent cannot go round the checks by using them.
``GET /healthz`` answers the proxy itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from immuno.chat_proxy.errors import ProxyError
from immuno.chat_proxy.judge import Turn
from immuno.chat_proxy.outbound import check_completion
from immuno.chat_proxy.seen import SeenBook
from immuno.chat_proxy.sessions import agent_of, session_of, strip_session
from immuno.chat_proxy.stream import StreamChecker, event
from immuno.chat_proxy.upstream import Upstream, reply_headers, unreachable
from immuno.chat_proxy.wire import encode, read_messages, read_request
from immuno.core.pipeline import Immune
from immuno.gateway.limits import read_body
from immuno.gateway.replies import HTTPError
from immuno.upstream import Reply, UpstreamError

log = logging.getLogger("immuno.chat_proxy")

SESSION_REPLY_HEADER = "X-Immuno-Session"
UNCHECKED = ("responses", "assistants", "threads", "realtime")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class ProxySettings:
    """``upstream``: the base URL the client would otherwise use (``.../v1``);
    ``agent``: the agent every request is for (else the ``X-Immuno-Agent`` header)."""

    upstream: str
    agent: str | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    timeout: float = 600.0  # seconds to wait for the upstream (a completion can be slow)


class ChatProxy:
    def __init__(self, immune: Immune, settings: ProxySettings) -> None:
        self.immune, self.settings = immune, settings
        self.upstream = Upstream(settings.upstream, timeout=settings.timeout)
        self.seen = SeenBook(ttl=immune.config.policy.session_ttl)

    async def chat(self, request: Request) -> Response:
        raw = await _body(request, self.settings.max_body_bytes)
        body = read_request(raw)
        messages = read_messages(body)
        agent = agent_of(request.headers, self.settings.agent)
        session = session_of(request.headers, body, agent, messages)
        turn = Turn(self.immune, self.seen, agent, session)
        if turn.messages(body, messages) | strip_session(body):
            raw = encode(body)
        query = request.url.query  # e.g. an api-version the upstream asks for
        reply = await self.upstream.send(
            "POST", "chat/completions", request.headers.items(), raw, query
        )
        headers = {**reply_headers(reply.headers), SESSION_REPLY_HEADER: session}
        streamed = reply.headers.get("content-type", "").startswith("text/event-stream")
        if reply.is_success and streamed:
            relay = _relay(reply, StreamChecker(turn))
            return StreamingResponse(relay, status_code=reply.status_code, headers=headers)
        try:
            content = await reply.read()
        except UpstreamError as exc:
            raise unreachable(exc) from None
        finally:
            reply.close()
        if reply.is_success:  # an upstream error carries no completion to check
            content = check_completion(turn, content)
        return Response(content, status_code=reply.status_code, headers=headers)

    async def forward(self, request: Request) -> Response:
        path = request.path_params["path"]
        if path.split("/", 1)[0] in UNCHECKED:
            raise ProxyError(
                501,
                "not_checked",
                f"/v1/{path} carries tool calls this proxy does not check; "
                "use /v1/chat/completions",
            )
        raw = await _body(request, self.settings.max_body_bytes)
        query = request.url.query
        reply = await self.upstream.send(request.method, path, request.headers.items(), raw, query)
        return StreamingResponse(
            _passed(reply), status_code=reply.status_code, headers=reply_headers(reply.headers)
        )


async def _body(request: Request, limit: int) -> bytes:
    try:
        return await read_body(request, limit)
    except HTTPError as exc:
        raise ProxyError(exc.status, exc.code, exc.message) from None


async def _relay(reply: Reply, checker: StreamChecker) -> AsyncIterator[bytes]:
    """The upstream's events, checked; a failure ends the stream with an error event
    (no ``[DONE]``), and what was held back is never sent."""
    try:
        async for piece in reply.chunks():
            for out in checker.feed(piece):
                yield out
        for out in checker.close():
            yield out
    except ProxyError as exc:
        yield event(exc.payload())
    except UpstreamError as exc:
        yield event(unreachable(exc).payload())
    except Exception as exc:  # fail closed: nothing held back goes out
        log.exception("the stream check failed")
        yield event(ProxyError(500, "internal", f"the stream check failed ({exc!r})").payload())
    finally:
        reply.close()


async def _passed(reply: Reply) -> AsyncIterator[bytes]:
    try:
        async for piece in reply.chunks():
            yield piece
    except UpstreamError as exc:
        log.warning("%s", unreachable(exc).message)
    finally:
        reply.close()


def _guarded(handler_name: str) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        proxy: ChatProxy = request.app.state.proxy
        try:
            response: Response = await getattr(proxy, handler_name)(request)
            return response
        except ProxyError as exc:
            return exc.response()
        except Exception as exc:  # fail closed: an error is never a pass
            log.exception("internal error in %s", handler_name)
            return ProxyError(
                500, "internal", f"internal error ({type(exc).__name__}); nothing was passed on"
            ).response()

    return run


async def _healthz(request: Request) -> Response:
    return Response(b'{"status": "ok"}', media_type="application/json")


async def _not_found(request: Request, exc: Exception) -> Response:
    return ProxyError(
        404, "not_found", f"{request.url.path} is not served; use /v1/chat/completions"
    ).response()


def build_proxy_app(
    immune: Immune,
    settings: ProxySettings,
    *,
    close: bool = False,
) -> Starlette:
    """The proxy over ``immune``. With ``close``, the app closes it on shutdown."""
    proxy = ChatProxy(immune, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await proxy.upstream.aclose()
            if close:
                immune.close()

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", _guarded("chat"), methods=["POST"]),
            Route("/v1/{path:path}", _guarded("forward"), methods=_METHODS),
            Route("/healthz", _healthz, methods=["GET"]),
        ],
        exception_handlers={404: _not_found},
        lifespan=lifespan,
    )
    app.state.proxy = proxy
    return app
