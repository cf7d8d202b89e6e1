"""``POST /v1/sessions`` opens a session (one user task); ``DELETE`` ends it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from immuno.core.errors import Refused
from immuno.gateway.auth import require_self
from immuno.gateway.replies import HTTPError, forbidden, not_found, reply
from immuno.gateway.routes.spec import Api, Param
from immuno.gateway.schemas import SessionEnded, SessionOut, SessionRequest, verdict_out
from immuno.gateway.service import Gateway


async def open_session(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request)
    body = await gateway.body(request, SessionRequest)
    agent = body.agent or principal.agent
    require_self(principal, agent)
    session = gateway.immune.session()
    verdict = None
    if body.request is not None:
        try:
            verdict = session.trust(agent, body.request)  # the user's words, checked
        except Refused as refused:
            gateway.observe("message", refused.verdict)
            session.end()
            raise HTTPError(
                403,
                "refused",
                f"the request was refused: {refused.verdict.explain()}",
                field="request",
                extra={"verdict": verdict_out(refused.verdict)},
            ) from None
        gateway.observe("message", verdict)
    gateway.sessions.open(session.id, agent)
    out = SessionOut(id=session.id, agent=agent, verdict=verdict_out(verdict) if verdict else None)
    return reply(out, 201)


async def end_session(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request)
    session = request.path_params["id"]
    owner = gateway.sessions.owner(session)
    if not principal.operator:
        if owner is None:
            raise not_found(f"no session {session!r} opened through the gateway")
        if owner[0] != principal.agent:
            raise forbidden(f"session {session!r} belongs to {owner[0]!r}")
    ended = gateway.immune.end_session(session)
    gateway.sessions.end(session)
    return reply(SessionEnded(session, ended))


API = (
    Api(
        "POST",
        "/v1/sessions",
        open_session,
        "Open a session; `request` (the user's words) is filed as trusted",
        body=SessionRequest,
        reply=SessionOut,
        status=201,
    ),
    Api(
        "DELETE",
        "/v1/sessions/{id}",
        end_session,
        "End a session: what was read in it vouches for nothing any more",
        reply=SessionEnded,
        params=(Param("id", "string", "the session id", True, "path"),),
    ),
)
