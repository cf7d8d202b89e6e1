"""``verify_envelope``: raise unless an envelope is genuine, fresh, addressed to us, and new.

Checks, in order, each failing with its own code (the finding is ``identity.<code>``):

    malformed       the envelope does not decode, or its fields are out of range
    wrong_recipient it is addressed to another agent
    unknown_sender  the sender is not registered           (registry)
    revoked_agent   the sender is revoked                   (registry)
    unknown_key     the sender has no key with that kid     (registry)
    revoked_key     the key was revoked                     (registry)
    retired_key     the key was rotated out and its overlap window is over
    bad_signature   the signature does not verify (forged or altered)
    lifetime_too_long   expires_at - issued_at exceeds the configured maximum
    not_yet_valid   issued further in the future than the allowed skew
    expired         expired longer ago than the allowed skew
    replay          the nonce was accepted before        (last: only genuine envelopes
                                                           consume a nonce)
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from immuno.identity.envelope import Envelope, parse_envelope, unb64
from immuno.identity.errors import EnvelopeRejected
from immuno.identity.registry import ED25519, Registry
from immuno.identity.replay import ReplayCache

DEFAULT_SKEW_SECONDS = 30.0
DEFAULT_MAX_LIFETIME_SECONDS = 300.0
_NONCE_LENGTHS = range(16, 129)


@dataclass(frozen=True)
class EnvelopeVerifier:
    registry: Registry
    replay: ReplayCache
    skew: float = DEFAULT_SKEW_SECONDS
    max_lifetime: float = DEFAULT_MAX_LIFETIME_SECONDS

    def verify(self, data: Envelope | dict[str, Any], *, recipient: str, now: float) -> Envelope:
        envelope = parse_envelope(data)
        if envelope.v != 1:
            raise EnvelopeRejected("malformed", f"envelope version {envelope.v} is not 1")
        if len(envelope.nonce) not in _NONCE_LENGTHS:
            raise EnvelopeRejected("malformed", "nonce must be 16 to 128 characters")
        if envelope.recipient != recipient:
            raise EnvelopeRejected(
                "wrong_recipient",
                f"addressed to {envelope.recipient!r}, delivered to {recipient!r}",
            )
        key = self.registry.verify_key(envelope.sender, envelope.kid, now)
        if key.alg != envelope.alg:
            raise EnvelopeRejected("bad_signature", f"key {key.kid!r} is {key.alg}")
        signature = unb64(envelope.sig)
        message = envelope.canonical()
        if key.alg == ED25519:
            assert key.public is not None
            try:
                key.public.verify(signature, message)
            except InvalidSignature:
                raise EnvelopeRejected(
                    "bad_signature", f"signature does not verify under {key.kid!r}"
                ) from None
        else:
            assert key.secret is not None
            expected = hmac.new(key.secret, message, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, signature):
                raise EnvelopeRejected("bad_signature", f"MAC does not verify under {key.kid!r}")
        issued, expires = envelope.issued_at / 1000.0, envelope.expires_at / 1000.0
        if expires - issued > self.max_lifetime or expires < issued:
            raise EnvelopeRejected(
                "lifetime_too_long",
                f"valid for {expires - issued:.0f}s, at most {self.max_lifetime:.0f}s allowed",
            )
        if issued > now + self.skew:
            raise EnvelopeRejected("not_yet_valid", f"issued {issued - now:.1f}s in the future")
        if now > expires + self.skew:
            raise EnvelopeRejected("expired", f"expired {now - expires:.1f}s ago")
        self.replay.remember(envelope.sender, envelope.nonce, expires + self.skew, now)
        return envelope


def verify_envelope(
    data: Envelope | dict[str, Any],
    *,
    registry: Registry,
    replay: ReplayCache,
    recipient: str,
    now: float,
    skew: float = DEFAULT_SKEW_SECONDS,
    max_lifetime: float = DEFAULT_MAX_LIFETIME_SECONDS,
) -> Envelope:
    """Return the verified envelope, or raise :class:`EnvelopeRejected` with a precise code."""
    verifier = EnvelopeVerifier(registry, replay, skew, max_lifetime)
    return verifier.verify(data, recipient=recipient, now=now)
