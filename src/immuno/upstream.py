"""Requests to the upstream of a proxy (``immuno proxy``, ``immuno mcp proxy`` over
HTTP), on aiohttp: one pooled session per proxy, opened in the proxy's event loop,
and replies whose body is read whole, in pieces or line by line later.

aiohttp parses HTTP in C; a proxy forwarding with a pure-Python client spent more
time in the client than in its checks. The session keeps no cookies (a proxy
serves many clients, and one's cookies are none of another's business), follows no
redirect, and honours the ``HTTP(S)_PROXY`` and ``NO_PROXY`` environment as clients
usually do (read once per upstream origin).
"""

from __future__ import annotations

import asyncio
import codecs
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from multidict import CIMultiDictProxy
from yarl import URL

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class UpstreamError(Exception):
    """The upstream could not be reached, or stopped answering (``timeout``: in time)."""

    def __init__(self, url: str, cause: BaseException) -> None:
        self.url = url
        self.cause = cause
        self.timeout = isinstance(cause, TimeoutError)
        detail = str(cause) or "no detail"
        super().__init__(f"{type(cause).__name__}: {detail}")


class Reply:
    """An upstream's reply, its body still to read; ``close`` it when done."""

    def __init__(self, response: aiohttp.ClientResponse, url: str) -> None:
        self._response = response
        self.url = url
        self.status_code = response.status
        self.headers: CIMultiDictProxy[str] = response.headers

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError(self.url, exc) from None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        try:
            async for piece in self._response.content.iter_any():
                yield piece
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError(self.url, exc) from None

    async def lines(self) -> AsyncIterator[str]:
        """The body as text lines without their breaks (``\\r\\n``, ``\\n`` or ``\\r``),
        of any length (aiohttp's own line reader refuses lines past 128 KiB, and one
        event of a server's stream can carry a large tool result)."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        async for piece in self.chunks():
            pending += decoder.decode(piece)
            held = pending.endswith("\r")  # maybe the first half of a "\r\n"
            *complete, pending = _LINE_BREAK.split(pending[:-1] if held else pending)
            for line in complete:
                yield line
            if held:
                pending += "\r"
        pending = (pending + decoder.decode(b"", final=True)).removesuffix("\r")
        if pending:
            yield pending

    def close(self) -> None:
        self._response.release()


class UpstreamClient:
    """One session to one upstream. ``connect`` bounds opening a connection; ``read``
    (None: no bound) the wait for each piece of a reply."""

    def __init__(self, *, connect: float, read: float | None) -> None:
        self._timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # the HTTP(S)_PROXY an origin goes through, read once (aiohttp's trust_env reads
        # the environment again for each request, on a worker thread)
        self._proxies: dict[tuple[str, str | None, int | None], tuple[URL | None, Any]] = {}

    def _opened(self) -> aiohttp.ClientSession:
        # made on first use, and again in another event loop: a session belongs to the
        # loop that made it (an app called from several asyncio.run, as tests do)
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
            )
        return self._session

    async def send(
        self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes | None
    ) -> Reply:
        """Send the request; the reply's headers have arrived, its body has not."""
        try:
            target = URL(url, encoded=True)  # the client's query as it sent it
            proxy, proxy_auth = self._proxy(target)
            response = await self._opened().request(
                method,
                target,
                headers=list(headers),
                data=body or None,
                allow_redirects=False,
                proxy=proxy,
                proxy_auth=proxy_auth,
            )
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(url, exc) from None
        return Reply(response, url)

    def _proxy(self, url: URL) -> tuple[URL | None, Any]:
        origin = (url.scheme, url.host, url.port)
        found = self._proxies.get(origin)
        if found is None:
            try:
                found = get_env_proxy_for_url(url)
            except LookupError:  # no proxy for it, or the host is in NO_PROXY
                found = (None, None)
            self._proxies[origin] = found
        return found

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
