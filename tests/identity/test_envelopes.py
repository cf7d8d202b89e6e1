"""verify_envelope: each way an envelope can be wrong has its own code."""

from __future__ import annotations

import pytest

from immuno.identity import (
    HMAC_SHA256,
    Envelope,
    EnvelopeRejected,
    MemoryReplayCache,
    Registry,
    RegistryError,
    Signer,
    StoreReplayCache,
    canonical_bytes,
    verify_envelope,
)
from immuno.identity.sealing import load_private_pem
from immuno.store import Store, open_store

from .conftest import T0, FakeClock


def enroll(registry: Registry, name: str) -> Signer:
    enrolled = registry.register(name)
    assert enrolled.private_pem is not None
    return Signer(name, private_key=load_private_pem(enrolled.private_pem, None))


def code_of(envelope: Envelope, registry: Registry, replay: object, **kw: object) -> str:
    with pytest.raises(EnvelopeRejected) as caught:
        verify_envelope(envelope, registry=registry, replay=replay, **kw)  # type: ignore[arg-type]
    return caught.value.code


def test_canonical_encoding_is_a_fixed_order_array() -> None:
    assert canonical_bytes("ed25519", "k", "a", "b", "message", "hé", "n", 1, 2) == (
        b'["immuno-envelope/1","ed25519","k","a","b","message","h\xc3\xa9","n",1,2]'
    )


def test_genuine_then_replay(registry: Registry, replay: StoreReplayCache) -> None:
    alice = enroll(registry, "alice")
    enroll(registry, "bob")
    envelope = alice.seal("bob", "hello", now=T0)
    assert verify_envelope(envelope, registry=registry, replay=replay, recipient="bob", now=T0)
    assert code_of(envelope, registry, replay, recipient="bob", now=T0 + 1) == "replay"


def test_replay_is_refused_by_a_second_process_sharing_the_store(
    registry: Registry, store: Store, store_location: str, clock: FakeClock
) -> None:
    alice = enroll(registry, "alice")
    envelope = alice.seal("bob", "hello", now=T0)
    first, second = StoreReplayCache(store), StoreReplayCache(open_store(store_location))
    verify_envelope(envelope, registry=registry, replay=first, recipient="bob", now=T0)
    assert code_of(envelope, registry, second, recipient="bob", now=T0) == "replay"


@pytest.mark.parametrize(
    ("recipient", "now", "code"),
    [
        ("carol", T0, "wrong_recipient"),
        ("bob", T0 + 60 + 31, "expired"),
        ("bob", T0 - 31, "not_yet_valid"),
    ],
)
def test_window_and_recipient(
    registry: Registry, replay: StoreReplayCache, recipient: str, now: float, code: str
) -> None:
    envelope = enroll(registry, "alice").seal("bob", "hi", now=T0, ttl=60)
    assert code_of(envelope, registry, replay, recipient=recipient, now=now) == code


def test_within_skew_is_accepted(registry: Registry, replay: StoreReplayCache) -> None:
    envelope = enroll(registry, "alice").seal("bob", "hi", now=T0, ttl=60)
    verify_envelope(envelope, registry=registry, replay=replay, recipient="bob", now=T0 + 89)


def test_lifetime_is_bounded(registry: Registry, replay: StoreReplayCache) -> None:
    envelope = enroll(registry, "alice").seal("bob", "hi", now=T0, ttl=86400)
    assert code_of(envelope, registry, replay, recipient="bob", now=T0) == "lifetime_too_long"


def test_unknown_sender_and_malformed(registry: Registry, replay: StoreReplayCache) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Signer("mallory", private_key=Ed25519PrivateKey.generate())
    envelope = stranger.seal("bob", "hi", now=T0)
    assert code_of(envelope, registry, replay, recipient="bob", now=T0) == "unknown_sender"
    bad = envelope.to_dict() | {"issued_at": "yesterday"}
    assert code_of(bad, registry, replay, recipient="bob", now=T0) == "malformed"  # type: ignore[arg-type]


def test_revocation_is_effective_on_the_next_message(
    registry: Registry, replay: StoreReplayCache
) -> None:
    alice = enroll(registry, "alice")
    verify_envelope(
        alice.seal("bob", "1", now=T0), registry=registry, replay=replay, recipient="bob", now=T0
    )
    registry.revoke("alice", alice.kid)
    envelope = alice.seal("bob", "2", now=T0)
    assert code_of(envelope, registry, replay, recipient="bob", now=T0) == "revoked_key"
    registry.revoke("alice")
    assert code_of(envelope, registry, replay, recipient="bob", now=T0) == "revoked_agent"


def test_rotation_keeps_the_old_key_for_the_overlap_only(
    registry: Registry, replay: StoreReplayCache, clock: FakeClock
) -> None:
    old = enroll(registry, "alice")
    enrolled = registry.rotate("alice", overlap=600)
    assert enrolled.private_pem is not None
    new = Signer("alice", private_key=load_private_pem(enrolled.private_pem, None))
    for signer in (old, new):
        verify_envelope(
            signer.seal("bob", "x", now=T0 + 10),
            registry=registry,
            replay=replay,
            recipient="bob",
            now=T0 + 10,
        )
    late = old.seal("bob", "y", now=T0 + 601)
    assert code_of(late, registry, replay, recipient="bob", now=T0 + 601) == "retired_key"
    verify_envelope(
        new.seal("bob", "y", now=T0 + 601),
        registry=registry,
        replay=replay,
        recipient="bob",
        now=T0 + 601,
    )


def test_hmac_option(registry: Registry, replay: StoreReplayCache) -> None:
    enrolled = registry.register("alice", alg=HMAC_SHA256)
    assert enrolled.secret is not None
    signer = Signer("alice", secret=enrolled.secret, kid=enrolled.kid)
    verify_envelope(
        signer.seal("bob", "x", now=T0), registry=registry, replay=replay, recipient="bob", now=T0
    )
    wrong = Signer("alice", secret=b"k" * 32, kid=enrolled.kid)
    assert (
        code_of(wrong.seal("bob", "x", now=T0), registry, replay, recipient="bob", now=T0)
        == "bad_signature"
    )


def test_hmac_secret_is_sealed_at_rest(store: Store, clock: FakeClock) -> None:
    registry = Registry(store, clock, passphrase=b"p1")
    enrolled = registry.register("alice", alg=HMAC_SHA256)
    assert enrolled.secret is not None
    (sealed,) = store.query("SELECT sealed FROM identity_keys")[0]
    assert enrolled.secret not in bytes(sealed)
    locked = Registry(store, clock, passphrase=b"wrong")
    signer = Signer("alice", secret=enrolled.secret, kid=enrolled.kid)
    with pytest.raises(RegistryError, match="wrong passphrase"):
        verify_envelope(
            signer.seal("bob", "x", now=T0),
            registry=locked,
            replay=MemoryReplayCache(),
            recipient="bob",
            now=T0,
        )


def test_kept_private_key_is_encrypted(registry: Registry) -> None:
    enrolled = registry.register("alice", keep_private=True, passphrase=b"s3cret")
    pem = registry.kept_private_key("alice", enrolled.kid)
    assert b"ENCRYPTED" in pem
    with pytest.raises(RegistryError):
        load_private_pem(pem, b"nope")
    assert load_private_pem(pem, b"s3cret")


def test_memory_replay_cache_is_bounded_and_expires() -> None:
    cache = MemoryReplayCache(capacity=2)
    cache.remember("a", "n1", until=10, now=0)
    cache.remember("a", "n2", until=20, now=0)
    with pytest.raises(EnvelopeRejected, match="replay_cache_full"):
        cache.remember("a", "n3", until=30, now=5)
    cache.remember("a", "n3", until=30, now=11)  # n1 expired and was dropped
    assert len(cache) == 2
    with pytest.raises(EnvelopeRejected, match="replay"):
        cache.remember("a", "n2", until=20, now=12)


def test_register_refuses_duplicates_and_bad_ids(registry: Registry) -> None:
    registry.register("alice")
    with pytest.raises(RegistryError, match="agent_exists"):
        registry.register("alice")
    with pytest.raises(RegistryError, match="bad_agent_id"):
        registry.register("no spaces allowed")
