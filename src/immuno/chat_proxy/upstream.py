"""The upstream API: requests forwarded with httpx, headers passed through.

The client's headers go on as they came (``Authorization`` included) except those
that belong to one connection (``Connection``, ``Host``, ``Content-Length``...),
``Accept-Encoding`` (the proxy reads the reply, so it asks for what it can decode)
and the proxy's own ``X-Immuno-*``. The reply's headers come back the same way,
without the encoding and length of a body the proxy may have changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx

from immuno.chat_proxy.errors import ProxyError
from immuno.core.errors import ConfigError

_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_NOT_ASKED = _HOP | {"accept-encoding"}
_NOT_SENT_BACK = _HOP | {"content-encoding"}
_MAX_URLS = 1024  # parsed upstream URLs kept (one per path and query)


def check_upstream(url: str) -> str:
    """The upstream's base URL without a trailing slash, or a ConfigError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("--upstream", f"must be an http:// or https:// URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError("--upstream", "must be a base URL, without a query or fragment")
    return url.rstrip("/")


def request_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (k, v)
        for k, v in headers
        if k.lower() not in _NOT_ASKED and not k.lower().startswith("x-immuno-")
    ]


def reply_headers(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _NOT_SENT_BACK}


class Upstream:
    def __init__(
        self,
        base: str,
        *,
        timeout: float = 600.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base = check_upstream(base)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            follow_redirects=False,
        )
        self._urls: dict[tuple[str, str], httpx.URL] = {}

    def url(self, path: str, query: str = "") -> str:
        """``path`` is what follows ``/v1/`` at the proxy."""
        joined = f"{self.base}/{path.lstrip('/')}"
        return f"{joined}?{query}" if query else joined

    def _parsed(self, path: str, query: str) -> httpx.URL:
        """The URL parsed once per path (parsing is a good part of building a request)."""
        key = (path, query)
        found = self._urls.get(key)
        if found is None:
            found = httpx.URL(self.url(path, query))
            if len(self._urls) < _MAX_URLS:
                self._urls[key] = found
        return found

    async def send(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        query: str = "",
    ) -> httpx.Response:
        """Send and return the reply with its body still to read (``aiter_bytes``)."""
        url = self._parsed(path, query)
        request = self.client.build_request(
            method, url, headers=request_headers(headers), content=body
        )
        try:
            return await self.client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise unreachable(str(url), exc) from None

    async def aclose(self) -> None:
        await self.client.aclose()


def unreachable(url: str, exc: BaseException) -> ProxyError:
    if isinstance(exc, httpx.TimeoutException):
        what = f"did not answer in time ({type(exc).__name__}; the proxy's --timeout)"
        return ProxyError(504, "upstream_timeout", f"the upstream {url} {what}")
    detail = str(exc) or "no detail"
    return ProxyError(
        502,
        "upstream_unreachable",
        f"the upstream {url} could not be reached ({type(exc).__name__}: {detail})",
    )
