"""The OpenAPI 3.1 document, built from the route table and the msgspec body types
(their JSON Schema is what msgspec enforces when decoding)."""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec

from immuno._version import __version__
from immuno.gateway.routes import API
from immuno.gateway.routes.spec import Api, Param
from immuno.gateway.schemas import ErrorOut

_REF = "#/components/schemas/{name}"
_ERRORS = {
    400: "The body is not JSON",
    401: "No or bad credentials",
    403: "The caller's role or identity does not allow this",
    404: "No such item",
    413: "The body is too large",
    422: "A field is invalid (error.field names it)",
    429: "Rate limited (see Retry-After)",
    503: "The store is unreachable; nothing was decided",
}


@functools.cache
def document() -> dict[str, Any]:
    types: list[Any] = [ErrorOut]
    for api in API:
        types.extend(t for t in (api.body, api.reply) if t is not None)
    refs, components = msgspec.json.schema_components(types, ref_template=_REF)
    schema_of = dict(zip(types, refs, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for api in API:
        paths.setdefault(api.path, {})[api.method.lower()] = _operation(api, schema_of)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "immuno gateway",
            "version": __version__,
            "description": "Check every signal crossing an agent boundary over HTTP.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"},
                "mtls": {"type": "mutualTLS"},
            },
        },
    }


def _param_schema(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": param.kind}
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    if param.choices:
        schema["enum"] = list(param.choices)
    return schema


def _operation(api: Api, schema_of: dict[Any, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": api.summary,
        "operationId": re.sub(r"\W+", "_", f"{api.method} {api.path}".lower()).strip("_"),
        "tags": [api.access],
    }
    if api.params:
        operation["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required or p.where == "path",
                "description": p.about,
                "schema": _param_schema(p),
            }
            for p in api.params
        ]
    if api.body is not None:
        operation["requestBody"] = {
            "required": not api.body_optional,
            "content": {"application/json": {"schema": schema_of[api.body]}},
        }
    ok: dict[str, Any] = {"description": "OK"}
    if api.reply is not None:
        ok["content"] = {api.media: {"schema": schema_of[api.reply]}}
    elif api.media != "application/json":
        ok["content"] = {api.media: {"schema": {"type": "string"}}}
    else:
        ok["content"] = {api.media: {"schema": {"type": "object"}}}
    responses: dict[str, Any] = {str(api.status): ok}
    error = {"application/json": {"schema": schema_of[ErrorOut]}}
    if api.access == "public":
        operation["security"] = []
        if api.path == "/readyz":
            responses["503"] = {"description": _ERRORS[503], "content": error}
    else:
        operation["security"] = [{"bearer": []}, {"mtls": []}]
        for status, about in _ERRORS.items():
            responses[str(status)] = {"description": about, "content": error}
    operation["responses"] = responses
    return operation
