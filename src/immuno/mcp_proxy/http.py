"""The streamable-HTTP transport: the proxy serves the MCP endpoint (any path) and
forwards to the upstream server's URL, checking the messages both ways.

POST bodies are one JSON-RPC message each (batches are refused: the 2025-06-18
revision removed them); answers come back as JSON or as an SSE stream, and each
message in either is relayed. GET (the server's stream) is relayed event by event;
DELETE ends the session upstream and here. Headers cross both ways (``Mcp-Session-Id``,
``Mcp-Protocol-Version``, ``Authorization`` ...) except hop-by-hop ones.

Each ``Mcp-Session-Id`` is one connection and one immuno session (ended by DELETE,
or when the oldest of :data:`MAX_CONNECTIONS` is dropped). A server that gives no
session id (stateless) shares one connection for every request.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import uvicorn
from mcp_types import jsonrpc
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from immuno.core.errors import InputError
from immuno.mcp_proxy import messages
from immuno.mcp_proxy.relay import Connection, Relay
from immuno.mcp_proxy.sse import Event, events
from immuno.upstream import Reply, UpstreamClient, UpstreamError

SESSION_HEADER = "mcp-session-id"
MAX_CONNECTIONS = 10_000
_HOP = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
        "accept-encoding",
    }
)
CONNECT_TIMEOUT = 30.0  # seconds; a server's stream may then be quiet for as long as it likes


def check_url(url: str) -> str:
    """The upstream URL, or an InputError saying what is wrong with it."""
    try:
        parsed = urlsplit(url)
        host = parsed.hostname
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError("--upstream", f"not a URL ({exc}): {url!r}") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise InputError(
            "--upstream", f"must be an http:// or https:// URL with a host, got {url!r}"
        )
    return url


def parse_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("--listen", f"must be HOST:PORT with a port in 1-65535, got {listen!r}")
    return host.strip("[]"), int(port)


def _forwarded(headers: object) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else []
    return {k: v for k, v in items if k.lower() not in _HOP}


def _unreachable(upstream: str, exc: UpstreamError) -> Response:
    problem = f"immuno mcp proxy: upstream {upstream} unreachable: {exc}"
    return Response(
        messages.error(None, jsonrpc.INTERNAL_ERROR, problem), 502, media_type="application/json"
    )


class HttpProxy:
    """The Starlette app relaying one upstream MCP endpoint through ``relay``."""

    def __init__(self, relay: Relay, upstream: str) -> None:
        self.relay = relay
        self.upstream = upstream
        self.client = UpstreamClient(connect=CONNECT_TIMEOUT, read=None)
        self.connections: OrderedDict[str, Connection] = OrderedDict()
        self.stateless = relay.connect()
        self.app = Starlette(
            routes=[Route("/{path:path}", self.handle, methods=["GET", "POST", "DELETE"])],
            lifespan=self._lifespan,
        )

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await self.client.aclose()
        for connection in (*self.connections.values(), self.stateless):
            self.relay.close(connection)

    async def handle(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._post(request)
        sid = request.headers.get(SESSION_HEADER)
        connection = self._connection(sid)
        upstream = await self._send(request.method, request.headers, None)
        if isinstance(upstream, Response):
            return upstream
        if request.method == "DELETE" and sid and upstream.status_code < 300:
            gone = self.connections.pop(sid, None)
            if gone is not None:
                self.relay.close(gone)
        elif sid and upstream.is_success:
            self._register(sid, connection)
        return await self._answer(upstream, connection)

    async def _post(self, request: Request) -> Response:
        body = await request.body()
        if body.lstrip().startswith(b"["):
            refused = messages.error(
                None, jsonrpc.INVALID_REQUEST, "immuno mcp proxy: JSON-RPC batches are not relayed"
            )
            return Response(refused, 400, media_type="application/json")
        sid = request.headers.get(SESSION_HEADER)
        head = messages.head(body)
        starting = head is not None and head.method in ("initialize", "server/discover")
        if sid:
            connection = self._connection(sid)
        else:
            connection = self.relay.connect() if starting else self.stateless
        routed = connection.from_client(body)
        if routed.to_client is not None:
            return Response(routed.to_client, 200, media_type="application/json")
        upstream = await self._send("POST", request.headers, routed.to_server)
        if isinstance(upstream, Response):
            return upstream
        new_sid = upstream.headers.get(SESSION_HEADER)
        if sid and upstream.is_success:
            self._register(sid, connection)  # kept once the server knows the session
        elif not sid and new_sid:
            self._register(new_sid, connection)
        elif not sid and starting:  # a stateless server: its name holds for every request
            self.stateless.server = self.stateless.server or connection.server
        return await self._answer(upstream, connection)

    def _connection(self, sid: str | None) -> Connection:
        """The session's connection; a new one for a session this proxy has not seen
        (kept only once the server accepts the session)."""
        if sid is None:
            return self.stateless
        return self.connections.get(sid) or self.relay.connect()

    def _register(self, sid: str, connection: Connection) -> None:
        if self.connections.get(sid) is connection:
            self.connections.move_to_end(sid)
            return
        self.connections[sid] = connection
        while len(self.connections) > MAX_CONNECTIONS:
            _, oldest = self.connections.popitem(last=False)
            self.relay.close(oldest)

    async def _send(self, method: str, headers: object, body: bytes | None) -> Reply | Response:
        try:
            return await self.client.send(method, self.upstream, _forwarded(headers).items(), body)
        except UpstreamError as exc:
            return _unreachable(self.upstream, exc)

    async def _answer(self, upstream: Reply, connection: Connection) -> Response:
        headers = _forwarded(upstream.headers)
        kind = upstream.headers.get("content-type", "")
        if kind.startswith("text/event-stream"):
            return StreamingResponse(
                self._relay_events(upstream, connection), upstream.status_code, headers
            )
        try:
            body = await upstream.read()
        except UpstreamError as exc:
            return _unreachable(self.upstream, exc)
        finally:
            upstream.close()
        if kind.startswith("application/json") and upstream.is_success and body.strip():
            delivered = connection.from_server(body.strip())
            if delivered is None:
                problem = "immuno mcp proxy: the server's answer is not a JSON-RPC message"
                delivered = messages.error(None, jsonrpc.INTERNAL_ERROR, problem)
            body = delivered
        return Response(body, upstream.status_code, headers)

    async def _relay_events(self, upstream: Reply, connection: Connection) -> AsyncIterator[bytes]:
        try:
            async for event in events(upstream.lines()):
                if event.data and event.event in (None, "message"):
                    delivered = connection.from_server(event.data.encode())
                    if delivered is None:
                        continue
                    event = Event(event.event, delivered.decode(), event.id, event.retry)
                yield event.encode()
        except UpstreamError as exc:  # the stream ends; the client reconnects if it wants
            print(f"immuno mcp: upstream stream ended: {exc}", file=sys.stderr)
        finally:
            upstream.close()


def serve(relay: Relay, upstream: str, host: str, port: int) -> None:
    """Serve the proxy until interrupted."""
    proxy = HttpProxy(relay, upstream)
    print(f"immuno mcp: serving http://{host}:{port}/ -> {upstream}", file=sys.stderr, flush=True)
    uvicorn.run(proxy.app, host=host, port=port, log_level="warning", access_log=False)
