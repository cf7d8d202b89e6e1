"""The upstream API: requests forwarded (``immuno.upstream``), headers passed through.

The client's headers go on as they came (``Authorization`` included) except those
that belong to one connection (``Connection``, ``Host``, ``Content-Length``...),
``Accept-Encoding`` (the proxy reads the reply, so it asks for what it can decode)
and the proxy's own ``X-Immuno-*``. The reply's headers come back the same way,
without the encoding and length of a body the proxy may have changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from immuno.chat_proxy.errors import ProxyError
from immuno.core.errors import ConfigError
from immuno.upstream import Reply, UpstreamClient, UpstreamError

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


def reply_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _NOT_SENT_BACK}


class Upstream:
    def __init__(self, base: str, *, timeout: float = 600.0) -> None:
        self.base = check_upstream(base)
        self.client = UpstreamClient(connect=min(timeout, 10.0), read=timeout)

    def url(self, path: str, query: str = "") -> str:
        """``path`` is what follows ``/v1/`` at the proxy."""
        joined = f"{self.base}/{path.lstrip('/')}"
        return f"{joined}?{query}" if query else joined

    async def send(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        query: str = "",
    ) -> Reply:
        """Send and return the reply with its body still to read."""
        url = self.url(path, query)
        try:
            return await self.client.send(method, url, request_headers(headers), body)
        except UpstreamError as exc:
            raise unreachable(exc) from None

    async def aclose(self) -> None:
        await self.client.aclose()


def unreachable(exc: UpstreamError) -> ProxyError:
    if exc.timeout:
        what = f"did not answer in time ({type(exc.cause).__name__}; the proxy's --timeout)"
        return ProxyError(504, "upstream_timeout", f"the upstream {exc.url} {what}")
    return ProxyError(
        502, "upstream_unreachable", f"the upstream {exc.url} could not be reached ({exc})"
    )
