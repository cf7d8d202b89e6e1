"""Operator routes: approvals of held tool calls, and quarantined content."""

from __future__ import annotations

import dataclasses

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from immuno import operator
from immuno.core.errors import InputError
from immuno.detect.quarantine import STATUSES as QUARANTINE_STATUSES
from immuno.detect.quarantine import Held, Quarantine
from immuno.gateway.limits import read_body
from immuno.gateway.replies import invalid, not_found, reply
from immuno.gateway.routes.spec import Api, Param
from immuno.gateway.schemas import (
    ApprovalList,
    ApprovalOut,
    DecisionRequest,
    QuarantineList,
    QuarantineOut,
    decode,
)
from immuno.gateway.service import Gateway, query_int
from immuno.policy.approvals import STATUSES as APPROVAL_STATUSES
from immuno.policy.approvals import Approval, Approvals


def _approval(approval: Approval) -> ApprovalOut:
    fields = dataclasses.asdict(approval)
    fields["args"] = msgspec.json.decode(approval.args)
    return ApprovalOut(**fields)


def _held(held: Held, delivered: bool = False) -> QuarantineOut:
    return QuarantineOut(**msgspec.structs.asdict(held), delivered=delivered)


async def _decision(gateway: Gateway, request: Request) -> DecisionRequest:
    body = await read_body(request, gateway.settings.max_body_bytes)
    return decode(body, DecisionRequest) if body.strip() else DecisionRequest()


def _book(gateway: Gateway, ident: str) -> Approvals:
    book = Approvals(gateway.immune.store, gateway.immune.clock)
    if book.get(ident) is None:
        raise not_found(f"no approval request {ident!r}")
    return book


async def list_approvals(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request, operator=True)
    status = request.query_params.get("status", "pending")
    limit = query_int(request, "limit", 50, low=1, high=1000)
    book = Approvals(gateway.immune.store, gateway.immune.clock)
    rows = book.list(None if status == "all" else status, limit)
    return reply(ApprovalList([_approval(a) for a in rows]))


async def approve(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request, operator=True)
    ident = request.path_params["id"]
    decision = await _decision(gateway, request)
    _book(gateway, ident)
    approved, _ = operator.approve(gateway.immune, ident, principal.agent, decision.note)
    return reply(_approval(approved))


async def deny(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request, operator=True)
    ident = request.path_params["id"]
    decision = await _decision(gateway, request)
    _book(gateway, ident)
    denied = operator.deny(gateway.immune, ident, principal.agent, decision.note)
    return reply(_approval(denied))


async def list_quarantine(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request, operator=True)
    status = request.query_params.get("status")
    if status is not None and status not in QUARANTINE_STATUSES:
        # Checked here so the error names the query parameter, not the CLI's option.
        choices = ", ".join(QUARANTINE_STATUSES)
        raise invalid("status", f"must be one of {choices}, got {status!r}")
    limit = query_int(request, "limit", 50, low=1, high=1000)
    items = Quarantine(gateway.immune.store).list(status, limit)
    return reply(QuarantineList([_held(item) for item in items]))


async def _release(gateway: Gateway, request: Request, false_positive: bool) -> Response:
    principal = gateway.admit(request, operator=True)
    ident = request.path_params["id"]
    try:
        Quarantine(gateway.immune.store).get(ident)
    except InputError:
        raise not_found(f"no quarantined content with id {ident!r}") from None
    released = operator.release(
        gateway.immune, ident, false_positive=false_positive, by=principal.agent
    )
    delivered = gateway.inbox.release(ident)  # a held signed message goes to its inbox
    return reply(_held(released, delivered))


async def release(gateway: Gateway, request: Request) -> Response:
    return await _release(gateway, request, False)


async def release_benign(gateway: Gateway, request: Request) -> Response:
    return await _release(gateway, request, True)


_ID = Param("id", "string", "the request or item id", True, "path")
_LIMIT = Param(
    "limit", "integer", "at most this many, newest first (default 50)", minimum=1, maximum=1000
)
API = (
    Api(
        "GET",
        "/v1/approvals",
        list_approvals,
        "List approval requests of held tool calls",
        access="operator",
        reply=ApprovalList,
        params=(
            Param(
                "status",
                "string",
                "pending (default), approved, denied, used or all",
                choices=(*APPROVAL_STATUSES, "all"),
            ),
            _LIMIT,
        ),
    ),
    Api(
        "POST",
        "/v1/approvals/{id}/approve",
        approve,
        "Approve a held call: it may run once, with exactly its arguments",
        access="operator",
        body=DecisionRequest,
        body_optional=True,
        reply=ApprovalOut,
        params=(_ID,),
    ),
    Api(
        "POST",
        "/v1/approvals/{id}/deny",
        deny,
        "Deny a held call",
        access="operator",
        body=DecisionRequest,
        body_optional=True,
        reply=ApprovalOut,
        params=(_ID,),
    ),
    Api(
        "GET",
        "/v1/quarantine",
        list_quarantine,
        "List quarantined content, newest first",
        access="operator",
        reply=QuarantineList,
        params=(
            Param(
                "status",
                "string",
                "held, flagged or released (default: all)",
                choices=QUARANTINE_STATUSES,
            ),
            _LIMIT,
        ),
    ),
    Api(
        "POST",
        "/v1/quarantine/{id}/release",
        release,
        "Release an item (a held signed message is delivered to its inbox)",
        access="operator",
        reply=QuarantineOut,
        params=(_ID,),
    ),
    Api(
        "POST",
        "/v1/quarantine/{id}/false-positive",
        release_benign,
        "Release an item as benign: a false positive of the layers that held it",
        access="operator",
        reply=QuarantineOut,
        params=(_ID,),
    ),
)
