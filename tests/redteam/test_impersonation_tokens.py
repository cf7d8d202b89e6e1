"""The forged tokens of the impersonation family are the real thing: a verifier that
trusted the token's own header would accept the algorithm-confused one, and the
expired one carries a valid EdDSA signature; the deployment refuses both."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from immuno.core.config import Config
from immuno.identity.errors import TokenRejected
from immuno.identity.tokens import TokenIssuer
from immuno.redteam import impersonation
from immuno.redteam.harness import TimedImmune
from tests.backends import store_config


def immune_at(tmp_path: Path) -> TimedImmune:
    return TimedImmune(Config(store=store_config(tmp_path / "tokens.db")))


def refusal(immune: TimedImmune, token: str) -> str:
    """The code the deployment's token check refuses ``token`` with."""
    issuer = TokenIssuer(immune.authority, immune.store, immune.clock)
    with pytest.raises(TokenRejected) as refused:
        issuer.verify(token, immune.config.gateway.audience)
    return refused.value.code


def test_the_confused_token_fools_a_verifier_that_trusts_its_header(tmp_path: Path) -> None:
    immune = immune_at(tmp_path)
    try:
        token = impersonation._token(immune, "rt-planner-x", "algorithm-confused token")
        public = immune.authority.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        naive = jwt.decode(
            token, public, algorithms=["HS256"], audience=immune.config.gateway.audience
        )
        assert naive["sub"] == "rt-planner-x"
        assert refusal(immune, token) == "invalid"
    finally:
        immune.close()


def test_the_expired_token_is_signed_and_refused_for_its_age(tmp_path: Path) -> None:
    immune = immune_at(tmp_path)
    try:
        token = impersonation._token(immune, "rt-planner-y", "expired token")
        claims = jwt.decode(
            token,
            immune.authority.public_key,
            algorithms=["EdDSA"],
            audience=immune.config.gateway.audience,
            options={"verify_exp": False},
        )
        assert claims["exp"] < immune.clock() - 3600
        assert refusal(immune, token) == "expired"
        issuer = TokenIssuer(immune.authority, immune.store, immune.clock)
        genuine = impersonation._token(immune, "rt-planner-y")
        assert issuer.verify(genuine, immune.config.gateway.audience).agent == "rt-planner-y"
    finally:
        immune.close()
