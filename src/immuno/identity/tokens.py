"""Session tokens: JWTs (RFC 7519) signed by the immuno authority with EdDSA (RFC 8037).

Claims: ``iss`` "immuno", ``sub`` the agent, ``aud`` the service, ``scope`` a space-
separated list (RFC 8693 style), ``iat``/``exp`` (short: ``token_ttl_seconds``) and a
random ``jti``. Revocation is a list of ``jti`` in the store, consulted on every check
(so it is effective at once, across processes), pruned once the token expired.

PyJWT checks the signature, algorithm and audience; times are checked here against the
injected clock (PyJWT reads the wall clock). A decoded token is cached (PyJWT EdDSA
decode costs ~280 µs), so a repeated token costs a dict lookup plus the expiry and
revocation checks.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import OKPAlgorithm

from immuno.core.authority import Authority
from immuno.identity import schema
from immuno.identity.errors import TokenRejected
from immuno.store import Store
from immuno.store.sql import upsert

ISSUER = "immuno"
_CACHE_SIZE = 4096


class _AuthorityEdDSA(OKPAlgorithm):
    """EdDSA signing through the Authority, so the private key never leaves it."""

    def prepare_key(self, key: Any) -> Any:
        if isinstance(key, Authority):
            return key
        return super().prepare_key(key)


_signer = jwt.PyJWS(algorithms=[])
_signer.register_algorithm("EdDSA", _AuthorityEdDSA())


@dataclass(frozen=True)
class Claims:
    agent: str
    audience: str
    scopes: frozenset[str]
    issued_at: float
    expires_at: float
    jti: str


class TokenIssuer:
    def __init__(
        self,
        authority: Authority,
        store: Store,
        clock: Callable[[], float],
        ttl: float = 900.0,
        leeway: float = 30.0,
    ) -> None:
        schema.migrate(store)
        self.authority, self.store, self.clock = authority, store, clock
        self.ttl, self.leeway = ttl, leeway
        self._cache: OrderedDict[str, Claims] = OrderedDict()

    def issue(
        self, agent: str, audience: str, scopes: Iterable[str] = (), ttl: float | None = None
    ) -> str:
        now = int(self.clock())
        payload = {
            "iss": ISSUER,
            "sub": agent,
            "aud": audience,
            "scope": " ".join(sorted(set(scopes))),
            "iat": now,
            "exp": now + int(ttl if ttl is not None else self.ttl),
            "jti": secrets.token_urlsafe(16),
        }
        encoded = json.dumps(payload, separators=(",", ":")).encode()
        signing_key: Any = self.authority  # _AuthorityEdDSA signs through it
        return _signer.encode(encoded, signing_key, algorithm="EdDSA", headers={"typ": "JWT"})

    def verify(self, token: str, audience: str, scope: str | None = None) -> Claims:
        """The token's claims, or raise :class:`TokenRejected` naming what is wrong."""
        claims = self._cache.get(token)
        if claims is None:
            claims = self._decode(token, audience)
            self._cache[token] = claims
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        if claims.audience != audience:
            raise TokenRejected("wrong_audience", f"token is for {claims.audience!r}")
        now = self.clock()
        if now > claims.expires_at + self.leeway:
            raise TokenRejected("expired", f"expired {now - claims.expires_at:.0f}s ago")
        if claims.issued_at > now + self.leeway:
            raise TokenRejected("not_yet_valid", "issued in the future")
        if self.store.query("SELECT 1 FROM identity_revoked_tokens WHERE jti = ?", (claims.jti,)):
            raise TokenRejected("revoked", f"token {claims.jti} was revoked")
        if scope is not None and scope not in claims.scopes:
            raise TokenRejected("missing_scope", f"token lacks scope {scope!r}")
        return claims

    def revoke(self, token: str, reason: str = "revoked by operator") -> str:
        """Revoke a token (its signature must verify); returns its jti."""
        try:
            payload = jwt.decode(
                token,
                self.authority.public_key,
                algorithms=["EdDSA"],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRejected("invalid", f"not an immuno token: {exc}") from None
        now = self.clock()
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM identity_revoked_tokens WHERE expires < ?", (now,))
            cur.execute(
                upsert("identity_revoked_tokens", ("jti", "expires", "reason"), ("jti",)),
                (payload["jti"], float(payload["exp"]) + self.leeway, reason),
            )
        return str(payload["jti"])

    def _decode(self, token: str, audience: str) -> Claims:
        try:
            payload = jwt.decode(
                token,
                self.authority.public_key,
                algorithms=["EdDSA"],
                audience=audience,
                issuer=ISSUER,
                options={
                    "require": ["iss", "sub", "aud", "iat", "exp", "jti"],
                    "verify_exp": False,  # checked against the injected clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise TokenRejected("wrong_audience", f"token is not for {audience!r}") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("bad_signature", "token signature does not verify") from None
        except jwt.InvalidTokenError as exc:
            raise TokenRejected("invalid", str(exc)) from None
        return Claims(
            agent=str(payload["sub"]),
            audience=audience,
            scopes=frozenset(str(payload.get("scope", "")).split()),
            issued_at=float(payload["iat"]),
            expires_at=float(payload["exp"]),
            jti=str(payload["jti"]),
        )
