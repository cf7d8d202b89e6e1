"""Self and non-self: agent keys, signed replay-proof envelopes, session tokens,
a local CA for mTLS, and behavioural fingerprints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from immuno.core.errors import ConfigError
from immuno.core.registry import register_component
from immuno.identity.ca import LocalCA, client_context, peer_agent, server_context
from immuno.identity.drift import Drift, DriftMonitor, DriftSettings
from immuno.identity.envelope import Envelope, Signer, canonical_bytes, parse_envelope
from immuno.identity.errors import EnvelopeRejected, IdentityError, RegistryError, TokenRejected
from immuno.identity.layer import IdentityLayer
from immuno.identity.registry import ED25519, HMAC_SHA256, Enrollment, Registry
from immuno.identity.replay import (
    MemoryReplayCache,
    ReplayCache,
    SharedReplayCache,
    StoreReplayCache,
)
from immuno.identity.tokens import Claims, TokenIssuer
from immuno.identity.verify import EnvelopeVerifier, verify_envelope

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "ED25519",
    "HMAC_SHA256",
    "Claims",
    "Drift",
    "DriftMonitor",
    "DriftSettings",
    "Enrollment",
    "Envelope",
    "EnvelopeRejected",
    "EnvelopeVerifier",
    "IdentityError",
    "IdentityLayer",
    "LocalCA",
    "MemoryReplayCache",
    "Registry",
    "RegistryError",
    "ReplayCache",
    "SharedReplayCache",
    "Signer",
    "StoreReplayCache",
    "TokenIssuer",
    "TokenRejected",
    "canonical_bytes",
    "client_context",
    "parse_envelope",
    "peer_agent",
    "read_passphrase",
    "server_context",
    "verify_envelope",
]


def read_passphrase(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes().strip() or None
    except OSError as exc:
        raise ConfigError(f"identity.passphrase_file ({path})", f"cannot read: {exc}") from None


def scaled(levels: tuple[float, float, float], by: float) -> tuple[float, float, float]:
    return (levels[0] * by, levels[1] * by, levels[2] * by)


def _build(immune: Immune) -> IdentityLayer | None:
    config = immune.config.identity
    if not config.enabled:
        return None
    store = immune.store
    registry = Registry(store, immune.clock, read_passphrase(config.passphrase_file))
    replay: ReplayCache
    if config.replay_cache == "store":
        replay = StoreReplayCache(store)
    elif config.replay_cache == "redis" and (shared := immune.shared) is not None:
        replay = SharedReplayCache(shared)
    else:
        replay = MemoryReplayCache(config.replay_capacity)
    verifier = EnvelopeVerifier(
        registry, replay, skew=config.skew_seconds, max_lifetime=config.max_lifetime_seconds
    )
    drift = None
    if config.drift.enabled:
        settings = DriftSettings(
            warmup=config.drift.warmup,
            window=config.drift.window,
            threshold=config.drift.threshold,
            novel=config.drift.novel,
            cusum=scaled(DriftSettings().cusum, config.drift.cusum_scale),
            habit_bits=DriftSettings().habit_bits * config.drift.cusum_scale,
        )
        drift = DriftMonitor(settings, store, immune.clock)
    return IdentityLayer(
        registry, verifier, drift, require_signed=config.require_signed, clock=immune.clock
    )


register_component("identity", 100, _build)
