"""What a page handler gets: the request, the gateway, the operator, and checked
query parameters (a bad one is a 422 naming it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from immuno.core.pipeline import Immune
from immuno.gateway.replies import HTTPError, invalid, not_found
from immuno.gateway.service import Gateway
from immuno.gateway.ui.auth import Operator
from immuno.gateway.ui.data import Reader

MAX_PAGE = 100_000


@dataclass
class View:
    request: Request
    gateway: Gateway
    who: Operator

    @property
    def immune(self) -> Immune:
        return self.gateway.immune

    @property
    def store(self) -> Any:
        return self.gateway.immune.store

    @property
    def reader(self) -> Reader:
        return reader_of(self.request, self.gateway)

    @property
    def csrf_value(self) -> str:
        """The token forms carry (empty for a bearer caller, who needs none)."""
        return self.who.csrf or ""

    @property
    def page(self) -> int:
        raw = self.request.query_params.get("page", "1")
        try:
            value = int(raw)
        except ValueError:
            raise invalid("page", f"must be a whole number, got {raw!r}") from None
        if not 1 <= value <= MAX_PAGE:
            raise invalid("page", f"must be 1..{MAX_PAGE}, got {value}")
        return value

    def offset(self, size: int) -> int:
        return (self.page - 1) * size

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self.request.query_params.get(name, default)
        if value not in choices:
            raise invalid(name, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def missing(self, message: str) -> HTTPError:
        return not_found(message)


def reader_of(request: Request, gateway: Gateway) -> Reader:
    """The app's dashboard reader, made on first use (one per worker)."""
    state = request.app.state
    found = getattr(state, "ui_reader", None)
    if not isinstance(found, Reader):
        found = Reader(gateway.immune)
        state.ui_reader = found
    return found
