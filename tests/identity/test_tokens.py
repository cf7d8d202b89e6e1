from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from immuno.core.authority import Authority
from immuno.identity import TokenRejected
from immuno.identity.tokens import TokenIssuer
from immuno.store import Store

from .conftest import FakeClock


@pytest.fixture
def issuer(store: Store, clock: FakeClock) -> TokenIssuer:
    return TokenIssuer(Authority.generate(), store, clock, ttl=300)


def code(issuer: TokenIssuer, token: str, audience: str = "gateway", **kw: str) -> str:
    with pytest.raises(TokenRejected) as caught:
        issuer.verify(token, audience, **kw)
    return caught.value.code


def test_issue_and_verify(issuer: TokenIssuer) -> None:
    token = issuer.issue("planner", "gateway", ["mail.send", "web.read"])
    claims = issuer.verify(token, "gateway", scope="mail.send")
    assert claims.agent == "planner"
    assert claims.scopes == {"mail.send", "web.read"}
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"


def test_audience_scope_expiry_revocation(issuer: TokenIssuer, clock: FakeClock) -> None:
    token = issuer.issue("planner", "gateway", ["web.read"])
    assert code(issuer, token, "billing") == "wrong_audience"
    assert code(issuer, token, scope="bank.transfer") == "missing_scope"
    issuer.revoke(token)
    assert code(issuer, token) == "revoked"
    fresh = issuer.issue("planner", "gateway")
    issuer.verify(fresh, "gateway")  # cached from now on
    clock.now += 300 + 31
    assert code(issuer, fresh) == "expired"


def test_token_of_another_authority_is_refused(
    issuer: TokenIssuer, store: Store, clock: FakeClock
) -> None:
    other = TokenIssuer(Authority(Ed25519PrivateKey.generate()), store, clock)
    assert code(issuer, other.issue("planner", "gateway")) == "bad_signature"
    assert code(issuer, "not.a.token") == "invalid"
