"""A network of 28 agents: every forgery and every replay refused, every genuine
message accepted (the impersonation guarantee of the identity layer)."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from immuno.core.action import Action
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.identity import EnvelopeVerifier, IdentityLayer, Registry, Signer, StoreReplayCache
from immuno.identity.sealing import load_private_pem

from .conftest import FakeClock

AGENTS = [f"agent-{i:02d}" for i in range(28)]


@pytest.fixture
def network(
    registry: Registry, replay: StoreReplayCache, clock: FakeClock
) -> tuple[Immune, dict[str, Signer]]:
    signers = {}
    for name in AGENTS:
        enrolled = registry.register(name)
        assert enrolled.private_pem is not None
        key = load_private_pem(enrolled.private_pem, None)
        signers[name] = Signer(name, private_key=key)
    layer = IdentityLayer(registry, EnvelopeVerifier(registry, replay), clock=clock)
    return Immune(layers=[layer], clock=clock), signers


def message(recipient: str, peer: str, body: str, envelope: dict[str, object] | None) -> Signal:
    return Signal(
        kind=SignalKind.MESSAGE,
        agent=recipient,
        peer=peer,
        content=body,
        provenance=Provenance.INTERNAL,
        envelope=envelope,
    )


def test_756_forgeries_refused_genuine_accepted_replays_refused(
    network: tuple[Immune, dict[str, Signer]], clock: FakeClock
) -> None:
    immune, signers = network
    pairs = list(itertools.permutations(AGENTS, 2))
    assert len(pairs) == 756
    outcomes: dict[str, list[str]] = {"genuine": [], "forged": [], "misattributed": []}
    genuine = []
    for real, claimed in pairs:
        recipient = next(a for a in AGENTS if a not in (real, claimed))
        body = f"from {real} to {recipient}: ship order {len(genuine)}"
        # Forgery: the real sender writes the claimed sender's name and key id, and signs
        # with the only key it has, its own.
        forged_signer = Signer(
            claimed, private_key=signers[real]._private, kid=signers[claimed].kid
        )
        forged = forged_signer.seal(recipient, body, now=clock()).to_dict()
        verdict = immune.check(message(recipient, claimed, body, forged))
        outcomes["forged"].append(verdict.codes[0] if verdict.action is Action.BLOCK else "ALLOWED")
        # Misattribution: a genuine envelope of `real`, presented as coming from `claimed`.
        honest = signers[real].seal(recipient, body, now=clock()).to_dict()
        verdict = immune.check(message(recipient, claimed, body, honest))
        outcomes["misattributed"].append(
            verdict.codes[0] if verdict.action is Action.BLOCK else "ALLOWED"
        )
        # Genuine: the same sender, its own name, its own key.
        envelope = signers[real].seal(claimed, body, now=clock()).to_dict()
        signal = message(claimed, real, body, envelope)
        verdict = immune.check(signal)
        outcomes["genuine"].append(verdict.action.value)
        genuine.append(signal)
        clock.now += 0.01
    assert set(outcomes["forged"]) == {"identity.bad_signature"}
    assert set(outcomes["misattributed"]) == {"identity.sender_mismatch"}
    assert outcomes["genuine"] == ["allow"] * 756
    replays = [immune.check(msgspec.structs.replace(s, id="again")) for s in genuine]
    assert [v.codes for v in replays] == [["identity.replay"]] * 756
    assert all(v.action is Action.BLOCK for v in replays)


def test_unsigned_message_claiming_a_registered_agent_is_blocked(
    network: tuple[Immune, dict[str, Signer]],
) -> None:
    immune, _ = network
    verdict = immune.check(message("agent-01", "agent-02", "pay 10 to X", None))
    assert verdict.action is Action.BLOCK
    assert verdict.codes == ["identity.unsigned"]


def test_unregistered_internal_peer_is_refused_outside_party_is_not(
    network: tuple[Immune, dict[str, Signer]],
) -> None:
    immune, _ = network
    assert immune.check(message("agent-01", "ghost", "hi", None)).codes == [
        "identity.unknown_sender"
    ]
    outside = Signal(
        kind=SignalKind.MESSAGE,
        agent="agent-01",
        peer="alice",
        content="hi",
        provenance=Provenance.TRUSTED,
    )
    assert immune.check(outside).action is Action.ALLOW


def test_tampered_body_and_kind_are_refused(
    network: tuple[Immune, dict[str, Signer]], clock: FakeClock
) -> None:
    immune, signers = network
    envelope = signers["agent-03"].seal("agent-04", "pay 10 to Bob", now=clock()).to_dict()
    tampered = message("agent-04", "agent-03", "pay 9999 to Mallory", envelope)
    assert immune.check(tampered).codes == ["identity.body_mismatch"]
    envelope["body"] = "pay 9999 to Mallory"
    assert immune.check(message("agent-04", "agent-03", envelope["body"], envelope)).codes == [
        "identity.bad_signature"
    ]


def test_expiry_is_judged_by_our_clock_not_the_signals(
    network: tuple[Immune, dict[str, Signer]], clock: FakeClock
) -> None:
    immune, signers = network
    envelope = signers["agent-05"].seal("agent-06", "old news", now=clock(), ttl=60).to_dict()
    clock.now += 3600
    stale = msgspec.structs.replace(
        message("agent-06", "agent-05", "old news", envelope), at=clock.now - 3600
    )
    assert immune.check(stale).codes == ["identity.expired"]
