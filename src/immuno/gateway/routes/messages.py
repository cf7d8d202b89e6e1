"""``POST /v1/messages``: signed agent-to-agent delivery; ``GET /v1/inbox``: take them.

The envelope (:mod:`immuno.identity.envelope`) is checked as a ``message`` signal
from its sender to its recipient: the identity layer verifies the signature, the
time window and the nonce (a replay is refused), the other layers judge the body.
Refused by identity: 403, nothing filed. Stopped by another layer: quarantined and
held (an operator's release delivers it). Otherwise delivered to the inbox.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.detect.quarantine import Quarantine
from immuno.gateway.auth import require_self
from immuno.gateway.replies import HTTPError, reply, unavailable
from immuno.gateway.routes.spec import Api, Param
from immuno.gateway.schemas import DeliveryOut, InboxOut, verdict_out
from immuno.gateway.service import Gateway, query_int
from immuno.identity.envelope import Envelope


async def deliver(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request)
    envelope = await gateway.body(request, Envelope)
    require_self(principal, envelope.sender, "sender")  # an agent sends as itself only
    try:
        gateway.immune.layer("identity")
    except KeyError:  # nobody would verify the signature: never deliver unverified
        raise unavailable("the identity layer is disabled; signed delivery is off") from None
    signal = Signal(
        kind=SignalKind.MESSAGE,
        agent=envelope.recipient,
        peer=envelope.sender,
        content=envelope.body,
        provenance=Provenance.INTERNAL,
        envelope=envelope.to_dict(),
    )
    verdict = gateway.check(signal)
    out = verdict_out(verdict)
    refusal = next(
        (
            f
            for f in verdict.findings
            if f.layer == "identity" and f.action is not None and f.action.stops
        ),
        None,
    )
    if refusal is not None:
        raise HTTPError(
            403, "refused", f"{refusal.code}: {refusal.message}", extra={"verdict": out}
        )
    if verdict.allowed:
        gateway.inbox.put(signal.id, envelope, verdict.seq)
        return reply(DeliveryOut(status="delivered", id=signal.id, verdict=out), 201)
    held = Quarantine(gateway.immune.store).hold(signal, verdict)
    gateway.inbox.put(signal.id, envelope, verdict.seq, quarantine_id=held)
    reply_body = DeliveryOut(status="quarantined", id=signal.id, verdict=out, quarantine_id=held)
    return reply(reply_body, 202)


async def inbox(gateway: Gateway, request: Request) -> Response:
    principal = gateway.admit(request)
    agent = request.query_params.get("agent") or principal.agent
    require_self(principal, agent)
    limit = query_int(request, "limit", 100, low=1, high=1000)
    return reply(InboxOut(gateway.inbox.take(agent, limit)))


API = (
    Api(
        "POST",
        "/v1/messages",
        deliver,
        "Deliver a signed envelope: 201 delivered, 202 quarantined, 403 refused",
        body=Envelope,
        reply=DeliveryOut,
        status=201,
    ),
    Api(
        "GET",
        "/v1/inbox",
        inbox,
        "Take (and so acknowledge) the caller's delivered messages, oldest first",
        reply=InboxOut,
        params=(
            Param("agent", "string", "whose inbox (operators only; default: the caller)"),
            Param("limit", "integer", "at most this many (default 100)", minimum=1, maximum=1000),
        ),
    ),
)
