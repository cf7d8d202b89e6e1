"""JSON replies and the errors routes raise to produce them.

Every error body has one shape, ``{"error": {"code", "message", "field"?}}``, so a
client reads one field to know what was wrong and where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.responses import Response

_encode = msgspec.json.Encoder().encode


class JSONReply(Response):
    """A response encoded by msgspec (Structs, enums and bytes included)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encode(content)


def reply(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONReply:
    return JSONReply(content, status_code=status, headers=dict(headers or {}))


class HTTPError(Exception):
    """An error a route answers with: status, a stable code, one readable line."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field = field
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def response(self) -> JSONReply:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return reply({"error": error, **self.extra}, self.status, self.headers)


def unauthorized(message: str) -> HTTPError:
    return HTTPError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> HTTPError:
    return HTTPError(403, "forbidden", message)


def invalid(field: str, message: str) -> HTTPError:
    return HTTPError(422, "invalid", f"{field}: {message}" if field else message, field=field)


def not_found(message: str) -> HTTPError:
    return HTTPError(404, "not_found", message)


def unavailable(message: str) -> HTTPError:
    return HTTPError(503, "unavailable", message, headers={"Retry-After": "5"})
