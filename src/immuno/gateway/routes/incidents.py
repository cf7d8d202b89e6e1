"""Operator routes for incidents: list, show, confirm (its payload becomes a vaccine)
and false positive (counted in the autoimmunity rate)."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from immuno import operator
from immuno.core.errors import InputError
from immuno.gateway.limits import read_body
from immuno.gateway.replies import HTTPError, not_found, reply
from immuno.gateway.routes.spec import Api, Param
from immuno.gateway.schemas import decode
from immuno.gateway.service import Gateway, query_int
from immuno.response.incidents import MAX_OFFSET, MAX_PAGE, IncidentBook, IncidentRow, TimelineRow
from immuno.response.payloads import Missing, Payload


class IncidentList(msgspec.Struct, frozen=True):
    incidents: list[IncidentRow]


class IncidentOut(msgspec.Struct, frozen=True):
    incident: IncidentRow
    timeline: list[TimelineRow]


class ConfirmRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: str | None = None
    without_vaccine: bool = False  # record it even when no payload can be recovered


class DecidedOut(msgspec.Struct, frozen=True, kw_only=True):
    incident: IncidentRow
    vaccinated: list[Payload]
    missing: list[Missing]
    skipped: list[str]
    flagged_only: int
    already: int


def _book(gateway: Gateway) -> IncidentBook:
    return IncidentBook(gateway.immune.store)


def _known(book: IncidentBook, ident: str) -> IncidentRow:
    try:
        return book.get(ident)
    except InputError:
        raise not_found(f"no incident {ident!r}") from None


def _conflict(exc: InputError) -> HTTPError:
    return HTTPError(409, "conflict", exc.problem, field="id")


async def list_incidents(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request, operator=True)
    limit = query_int(request, "limit", 50, low=1, high=MAX_PAGE)
    offset = query_int(request, "offset", 0, low=0, high=MAX_OFFSET)
    return reply(IncidentList(_book(gateway).page(limit, offset)))


async def show_incident(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request, operator=True)
    limit = query_int(request, "limit", 50, low=1, high=1000)
    offset = query_int(request, "offset", 0, low=0, high=MAX_OFFSET)
    book = _book(gateway)
    incident = _known(book, request.path_params["id"])
    return reply(IncidentOut(incident, book.timeline(incident, limit, offset)))


async def _decide(gateway: Gateway, request: Request, confirm: bool) -> Response:
    principal = gateway.admit(request, operator=True)
    ident = request.path_params["id"]
    raw = await read_body(request, gateway.settings.max_body_bytes)
    body = decode(raw, ConfirmRequest) if raw.strip() else ConfirmRequest()
    book = _book(gateway)
    if _known(book, ident).decision is not None:
        raise _conflict(InputError("id", f"{ident} is already decided"))
    try:
        if confirm:
            done = operator.confirm_incident(
                gateway.immune,
                ident,
                principal.agent,
                body.note,
                without_vaccine=body.without_vaccine,
            )
        else:
            if body.without_vaccine:
                raise HTTPError(
                    422, "invalid", "without_vaccine: only for confirm", field="without_vaccine"
                )
            done = operator.incident_false_positive(
                gateway.immune, ident, principal.agent, body.note
            )
    except InputError as exc:
        raise _conflict(exc) from None
    return reply(
        DecidedOut(
            incident=book.get(ident),
            vaccinated=done.vaccinated,
            missing=done.missing,
            skipped=done.skipped,
            flagged_only=done.flagged_only,
            already=done.already,
        )
    )


async def confirm(gateway: Gateway, request: Request) -> Response:
    return await _decide(gateway, request, True)


async def false_positive(gateway: Gateway, request: Request) -> Response:
    return await _decide(gateway, request, False)


_ID = Param("id", "string", "the incident id (inc-...)", True, "path")
_OFFSET = Param("offset", "integer", "skip this many (default 0)", minimum=0, maximum=MAX_OFFSET)
API = (
    Api(
        "GET",
        "/v1/incidents",
        list_incidents,
        "List incidents, most recently seen first, with the operator's decision",
        access="operator",
        reply=IncidentList,
        params=(
            Param(
                "limit", "integer", "at most this many (default 50)", minimum=1, maximum=MAX_PAGE
            ),
            _OFFSET,
        ),
    ),
    Api(
        "GET",
        "/v1/incidents/{id}",
        show_incident,
        "One incident and a page of its timeline",
        access="operator",
        reply=IncidentOut,
        params=(
            _ID,
            Param("limit", "integer", "timeline entries (default 50)", minimum=1, maximum=1000),
            _OFFSET,
        ),
    ),
    Api(
        "POST",
        "/v1/incidents/{id}/confirm",
        confirm,
        "Confirm an attack: its recovered payload becomes a vaccine; the decision is sealed"
        " (409 when it is decided already or has no recoverable payload)",
        access="operator",
        body=ConfirmRequest,
        body_optional=True,
        reply=DecidedOut,
        params=(_ID,),
    ),
    Api(
        "POST",
        "/v1/incidents/{id}/false-positive",
        false_positive,
        "Record a false positive: its stopped signals count in the autoimmunity rate",
        access="operator",
        body=ConfirmRequest,
        body_optional=True,
        reply=DecidedOut,
        params=(_ID,),
    ),
)
