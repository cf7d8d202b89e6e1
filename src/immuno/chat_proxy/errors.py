"""The proxy's own errors, as JSON an OpenAI client can read.

Every error body is ``{"error": {"code", "message", "field"?, "type": "immuno"}}``:
the house shape (``code``, ``message``, ``field``) with the ``type`` OpenAI clients
look for, so an SDK raising on the reply shows immuno's message as it is.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

_encode = msgspec.json.Encoder().encode


class ProxyError(Exception):
    """Answer the request with ``status`` and one readable line; nothing is forwarded
    (or, once a stream has begun, the stream ends with this error)."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "type": "immuno"}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}

    def body(self) -> bytes:
        return _encode(self.payload())

    def response(self) -> Response:
        return Response(self.body(), status_code=self.status, media_type="application/json")


def malformed(field: str, problem: str) -> ProxyError:
    """A request the proxy cannot read (400), naming the field."""
    where = f"{field}: " if field else ""
    return ProxyError(400, "malformed", f"{where}{problem}", field=field or None)


def check_failed(where: str, exc: BaseException) -> ProxyError:
    """A check that could not be made: refused, never passed unchecked (fail closed)."""
    return ProxyError(
        503,
        "check_failed",
        f"the check of {where} failed ({type(exc).__name__}: {exc}); nothing was passed on",
        field=where,
    )
