"""``POST /v1/check`` (one signal) and ``POST /v1/scan`` (a batch of bare texts)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from immuno.core.signal import Signal, signal_for_source
from immuno.gateway.auth import Principal, require_self
from immuno.gateway.limits import too_many
from immuno.gateway.replies import HTTPError, reply
from immuno.gateway.routes.spec import Api
from immuno.gateway.schemas import MAX_BATCH, ScanReply, ScanRequest, VerdictOut, verdict_out
from immuno.gateway.service import Gateway


def own_session(gateway: Gateway, principal: Principal, session: str) -> None:
    """An agent may use only a session it opened through the gateway."""
    if principal.operator:
        return
    owner = gateway.sessions.owner(session)
    if owner is None or owner[0] != principal.agent:
        raise HTTPError(
            403,
            "forbidden",
            f"session {session!r} was not opened by {principal.agent!r} (POST /v1/sessions)",
            field="trace",
        )


async def check(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request)
    signal = await gateway.body(request, Signal)
    require_self(principal, signal.agent)
    if signal.trace is not None:
        own_session(gateway, principal, signal.trace)
    return reply(verdict_out(gateway.check(signal)))


async def scan(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request)
    body = await gateway.body(request, ScanRequest)
    agent = body.agent or principal.agent
    require_self(principal, agent)
    # A batch spends one token per text beyond the first (the request paid for one).
    if len(body.texts) > 1:
        grant = gateway.limiter.take(principal.agent, len(body.texts) - 1)
        if not grant:
            raise too_many(grant)
    verdicts = [
        verdict_out(gateway.check(signal_for_source(text, body.source, agent=agent)))
        for text in body.texts
    ]
    return reply(ScanReply(verdicts))


API = (
    Api("POST", "/v1/check", check, "Decide on one signal", body=Signal, reply=VerdictOut),
    Api(
        "POST",
        "/v1/scan",
        scan,
        f"Decide on up to {MAX_BATCH} bare texts (one rate token per text)",
        body=ScanRequest,
        reply=ScanReply,
    ),
)
