"""Signed envelopes: who sends what to whom, once, within a time window.

Canonical encoding (what is signed), version 1: the compact JSON array

    ["immuno-envelope/1", alg, kid, sender, recipient, kind, body, nonce,
     issued_at, expires_at]

encoded by msgspec (UTF-8, no whitespace, strings escaped per RFC 8259; times are
integer milliseconds since the epoch so no float formatting is involved). A fixed
order array needs no key sorting, and the leading tag separates envelope signatures
from anything else a key might sign. ``alg`` and ``kid`` are signed, so a signature
cannot be replayed under another algorithm or key.

Signature: Ed25519 (RFC 8032) over those bytes, or HMAC-SHA256 (RFC 2104) for closed
deployments; carried base64url-encoded without padding in ``sig``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from immuno.core.known import explain_validation
from immuno.identity.errors import EnvelopeRejected
from immuno.identity.registry import ED25519, HMAC_SHA256, key_id
from immuno.identity.sealing import raw_public

TAG = "immuno-envelope/1"
DEFAULT_TTL_SECONDS = 60.0
_encode = msgspec.json.Encoder().encode


class Envelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    v: int = 1
    alg: str
    kid: str
    sender: str
    recipient: str
    kind: str
    body: str
    nonce: str
    issued_at: int  # ms since the epoch
    expires_at: int  # ms since the epoch
    sig: str

    def canonical(self) -> bytes:
        return canonical_bytes(
            self.alg,
            self.kid,
            self.sender,
            self.recipient,
            self.kind,
            self.body,
            self.nonce,
            self.issued_at,
            self.expires_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


def canonical_bytes(
    alg: str,
    kid: str,
    sender: str,
    recipient: str,
    kind: str,
    body: str,
    nonce: str,
    issued_at: int,
    expires_at: int,
) -> bytes:
    return _encode([TAG, alg, kid, sender, recipient, kind, body, nonce, issued_at, expires_at])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise EnvelopeRejected("malformed", "sig is not base64url") from None


def parse_envelope(data: Envelope | dict[str, Any]) -> Envelope:
    """An Envelope from a decoded mapping; a malformed one is rejected, naming the field."""
    if isinstance(data, Envelope):
        return data
    try:
        return msgspec.convert(data, Envelope)
    except msgspec.ValidationError as exc:
        named = explain_validation(str(exc), Envelope, "an envelope")
        problem = f"{named[0]}: {named[1]}" if named is not None else str(exc)
        raise EnvelopeRejected("malformed", f"envelope: {problem}") from None


class Signer:
    """The agent's side: seals outgoing messages with its own key.

    Give ``private_key`` for Ed25519 or ``secret`` (with its ``kid``) for HMAC-SHA256.
    """

    def __init__(
        self,
        agent: str,
        *,
        private_key: Ed25519PrivateKey | None = None,
        secret: bytes | None = None,
        kid: str | None = None,
    ) -> None:
        if (private_key is None) == (secret is None):
            raise ValueError("give exactly one of private_key or secret")
        self.agent = agent
        self._private = private_key
        self._secret = secret
        if private_key is not None:
            self.alg = ED25519
            self.kid = kid or key_id(raw_public(private_key))
        else:
            if not kid:
                raise ValueError("an HMAC signer needs the kid the registry gave its secret")
            self.alg = HMAC_SHA256
            self.kid = kid

    def seal(
        self,
        recipient: str,
        body: str,
        *,
        now: float,
        kind: str = "message",
        ttl: float = DEFAULT_TTL_SECONDS,
        nonce: str | None = None,
    ) -> Envelope:
        issued = int(now * 1000)
        expires = issued + int(ttl * 1000)
        nonce = nonce or secrets.token_urlsafe(16)
        message = canonical_bytes(
            self.alg, self.kid, self.agent, recipient, kind, body, nonce, issued, expires
        )
        if self._private is not None:
            signature = self._private.sign(message)
        else:
            assert self._secret is not None
            signature = hmac.new(self._secret, message, hashlib.sha256).digest()
        return Envelope(
            alg=self.alg,
            kid=self.kid,
            sender=self.agent,
            recipient=recipient,
            kind=kind,
            body=body,
            nonce=nonce,
            issued_at=issued,
            expires_at=expires,
            sig=b64(signature),
        )
