"""``immuno.upstream``, the proxies' client, against a real server on 127.0.0.1: no
cookie carried from one request to the next, no redirect followed, the client's
query sent as it came, long and split lines read whole, failures named."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from immuno.upstream import Reply, UpstreamClient, UpstreamError
from tests.chat_proxy.serving import Served
from tests.net import free_port

LONG = "x" * 300_000  # one line far past aiohttp's own line limit


async def _cookie(request: Request) -> Response:
    response = PlainTextResponse(request.headers.get("cookie", "none"))
    response.set_cookie("session", "first-clients-secret")
    return response


async def _moved(request: Request) -> Response:
    return RedirectResponse("/cookie", status_code=302)


async def _echo(request: Request) -> Response:
    return PlainTextResponse(request.url.query)


async def _lines(request: Request) -> Response:
    async def pieces():  # type: ignore[no-untyped-def]
        # breaks of every kind, one "\r\n" split across two pieces, a long line
        for piece in (b"event: message\r", b"\ndata: \xc3", b"\xa9\n\ndata: ", LONG.encode()):
            yield piece
            await asyncio.sleep(0)
        yield b"\rlast"

    return StreamingResponse(pieces(), media_type="text/event-stream")


APP = Starlette(
    routes=[
        Route("/cookie", _cookie),
        Route("/moved", _moved),
        Route("/echo", _echo),
        Route("/lines", _lines),
    ]
)


async def _read(client: UpstreamClient, url: str) -> tuple[int, bytes]:
    reply = await client.send("GET", url, [], None)
    try:
        return reply.status_code, await reply.read()
    finally:
        reply.close()


async def _lines_of(reply: Reply) -> list[str]:
    try:
        return [line async for line in reply.lines()]
    finally:
        reply.close()


def test_no_cookie_is_kept_and_no_redirect_followed() -> None:
    async def run(base: str) -> list[tuple[int, bytes]]:
        client = UpstreamClient(connect=5.0, read=10.0)
        try:
            return [await _read(client, f"{base}/{path}") for path in ("cookie", "cookie", "moved")]
        finally:
            await client.aclose()

    with Served(APP) as served:
        first, second, moved = asyncio.run(run(served.url))
    assert first == (200, b"none")
    assert second == (200, b"none")  # the first reply's cookie went to nobody
    assert moved[0] == 302  # the client sees the redirect; the proxy follows none


def test_the_query_goes_as_the_client_wrote_it() -> None:
    async def run(base: str) -> bytes:
        client = UpstreamClient(connect=5.0, read=10.0)
        try:
            return (await _read(client, f"{base}/echo?api-version=2024-06-01&q=a%2Fb"))[1]
        finally:
            await client.aclose()

    with Served(APP) as served:
        assert asyncio.run(run(served.url)) == b"api-version=2024-06-01&q=a%2Fb"


def test_lines_of_any_length_and_split_breaks_are_read_whole() -> None:
    async def run(base: str) -> list[str]:
        client = UpstreamClient(connect=5.0, read=10.0)
        try:
            return await _lines_of(await client.send("GET", f"{base}/lines", [], None))
        finally:
            await client.aclose()

    with Served(APP) as served:
        lines = asyncio.run(run(served.url))
    assert lines == ["event: message", "data: é", "", f"data: {LONG}", "last"]


def test_an_unreachable_upstream_is_an_upstream_error() -> None:
    port = free_port()

    async def run() -> UpstreamError:
        client = UpstreamClient(connect=5.0, read=10.0)
        try:
            await client.send("GET", f"http://127.0.0.1:{port}/", [], None)
        except UpstreamError as exc:
            return exc
        finally:
            await client.aclose()
        raise AssertionError("a closed port answered")

    error = asyncio.run(run())
    assert error.url == f"http://127.0.0.1:{port}/"
    assert not error.timeout
    assert "Connect" in str(error)


def test_the_environments_proxy_is_used_and_no_proxy_honoured(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[bytes] = []

    async def run() -> tuple[bytes, bytes]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(await reader.readline())  # the request line, absolute-form
            while (await reader.readline()).strip():
                pass
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied")
            await writer.drain()
            writer.close()

        relay = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = relay.sockets[0].getsockname()[1]
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("NO_PROXY", "direct.example")
        client = UpstreamClient(connect=5.0, read=10.0)
        try:
            via = (await _read(client, "http://api.example/v1/models?x=1"))[1]
            try:
                await client.send("GET", "http://direct.example:9/", [], None)
                direct = b"answered"
            except UpstreamError:
                direct = b"not proxied"
            return via, direct
        finally:
            await client.aclose()
            relay.close()

    via, direct = asyncio.run(run())
    assert via == b"proxied"
    assert seen == [b"GET http://api.example/v1/models?x=1 HTTP/1.1\r\n"]
    assert direct == b"not proxied"  # NO_PROXY: straight to a host that does not exist
