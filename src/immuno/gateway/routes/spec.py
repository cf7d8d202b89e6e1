"""One route's description: what serves it, who may call it, what goes in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from immuno.gateway.service import Handler

Access = Literal["public", "agent", "operator"]


@dataclass(frozen=True)
class Param:
    name: str
    kind: Literal["integer", "string"]
    about: str
    required: bool = False
    where: Literal["query", "path"] = "query"
    # Bounds of an integer, documented as the handler enforces them (else a 422).
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # the values a string accepts (else a 422)


@dataclass(frozen=True)
class Api:
    method: str
    path: str
    handler: Handler
    summary: str
    access: Access = "agent"  # "agent": any authenticated caller
    body: type | None = None
    reply: type | None = None
    status: int = 200
    params: tuple[Param, ...] = ()
    media: str = "application/json"
    body_optional: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"
