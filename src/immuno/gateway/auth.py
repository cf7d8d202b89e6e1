"""Who is calling: a bearer token (EdDSA JWT of the immuno authority) or an mTLS
client certificate of the local CA.

Roles. ``operator`` may act for any agent and decide approvals and quarantine;
``agent`` may act only as itself (the token's ``sub``, the certificate's agent).

* Bearer token: the scope ``operator`` gives the operator role, else the scope
  ``agent`` gives the agent role; a token with neither is refused (403). Issue one
  with ``immuno token issue NAME --audience immuno-gateway --scope agent``.
* Client certificate (``gateway.tls.ca`` set): the agent it names; the operator role
  when the agent is registered with the role ``operator``
  (``immuno agents register ops --role operator``).

Either way the agent must be registered and active, checked on every request, so
revoking an agent (or its token) takes effect at once. When a request carries both
a certificate and a token, they must name the same agent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from immuno.core.pipeline import Immune
from immuno.gateway.replies import HTTPError, forbidden, unauthorized
from immuno.identity import Registry, TokenRejected, read_passphrase
from immuno.identity.tokens import TokenIssuer

Role = Literal["operator", "agent"]
OPERATOR: Role = "operator"
AGENT: Role = "agent"
PEER_AGENT = "immuno.peer_agent"  # scope["state"] key the TLS protocol fills in
_ROLES_TTL = 5.0  # seconds a certificate holder's registry roles are cached


@dataclass(frozen=True)
class Principal:
    agent: str
    role: Role
    via: Literal["token", "certificate"]

    @property
    def operator(self) -> bool:
        return self.role == OPERATOR


class Authenticator:
    def __init__(self, immune: Immune, audience: str) -> None:
        self.audience = audience
        phrase = read_passphrase(immune.config.identity.passphrase_file)
        self.registry = Registry(immune.store, immune.clock, phrase)
        self.tokens = TokenIssuer(
            immune.authority, immune.store, immune.clock, immune.config.identity.token_ttl_seconds
        )
        self._roles: dict[str, tuple[float, frozenset[str]]] = {}

    def authenticate(self, request: Request) -> Principal:
        """The caller, or 401 (no or bad credentials) / 403 (no gateway role)."""
        peer = request.scope.get("state", {}).get(PEER_AGENT)
        header = request.headers.get("authorization")
        if header is not None:
            principal = self._bearer(header)
            if peer is not None and peer != principal.agent:
                raise unauthorized(
                    f"the token is for {principal.agent!r}, the certificate for {peer!r}"
                )
        elif isinstance(peer, str):
            role = OPERATOR if OPERATOR in self._registry_roles(peer) else AGENT
            principal = Principal(peer, role, "certificate")
        else:
            raise unauthorized("send Authorization: Bearer <token> or a client certificate")
        if self.registry.status(principal.agent) != "active":
            raise unauthorized(f"{principal.agent!r} is not an active registered agent")
        return principal

    def _bearer(self, header: str) -> Principal:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("the Authorization header must be 'Bearer <token>'")
        try:
            claims = self.tokens.verify(token.strip(), self.audience)
        except TokenRejected as exc:
            raise unauthorized(f"token rejected ({exc.code}): {exc.problem}") from None
        if OPERATOR in claims.scopes:
            return Principal(claims.agent, OPERATOR, "token")
        if AGENT in claims.scopes:
            return Principal(claims.agent, AGENT, "token")
        raise forbidden("the token grants no gateway role: it needs scope 'agent' or 'operator'")

    def _registry_roles(self, agent: str) -> frozenset[str]:
        now = time.monotonic()
        cached = self._roles.get(agent)
        if cached is not None and now - cached[0] < _ROLES_TTL:
            return cached[1]
        roles = next((frozenset(r.roles) for r in self.registry.agents() if r.agent == agent), None)
        found = roles if roles is not None else frozenset()
        if len(self._roles) > 10_000:
            self._roles.clear()
        self._roles[agent] = (now, found)
        return found


def require_operator(principal: Principal) -> None:
    if not principal.operator:
        raise forbidden(f"{principal.agent!r} is an agent; this needs the operator role")


def require_self(principal: Principal, agent: str, what: str = "agent") -> None:
    """An agent acts only as itself; an operator may act for anyone."""
    if not principal.operator and agent != principal.agent:
        raise HTTPError(
            403,
            "forbidden",
            f"{principal.agent!r} may act only for itself, not for {agent!r}",
            field=what,
        )
