from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from immuno import Config, Immune
from immuno.core.config import GatewayConfig, PolicyConfig, StoreConfig
from immuno.gateway import build_app
from immuno.identity import Registry, Signer
from immuno.identity.sealing import load_private_pem
from immuno.identity.tokens import TokenIssuer
from tests.backends import store_config
from tests.manifests import SHELL_WITH_APPROVAL

AUDIENCE = "immuno-gateway"

MANIFEST = SHELL_WITH_APPROVAL  # payments may run shell.run only once approved


class Fleet:
    """A gateway over a fresh store, with registered agents and their credentials."""

    def __init__(
        self, tmp_path: Path, settings: GatewayConfig, store: StoreConfig | None = None
    ) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        manifest = tmp_path / "manifest.yaml"
        manifest.write_text(MANIFEST, encoding="utf-8")
        self.config = Config(
            store=store or store_config(tmp_path / "immuno.db"),
            policy=PolicyConfig(manifests=[str(manifest)]),
            gateway=settings,
        )
        self.immune = Immune(self.config)
        self.registry = Registry(self.immune.store, self.immune.clock)
        self.issuer = TokenIssuer(self.immune.authority, self.immune.store, self.immune.clock)
        self.signers: dict[str, Signer] = {}
        for name in ("alice", "bob", "payments", "ops"):
            enrolled = self.registry.register(name)
            assert enrolled.private_pem is not None
            key = load_private_pem(enrolled.private_pem, None)
            self.signers[name] = Signer(name, private_key=key)
        self.client = TestClient(build_app(self.immune, settings))

    def token(self, agent: str, *scopes: str, audience: str = AUDIENCE) -> str:
        return self.issuer.issue(agent, audience, scopes or ("agent",))

    def headers(self, agent: str, *scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(agent, *scopes)}"}

    @property
    def operator(self) -> dict[str, str]:
        return self.headers("ops", "operator")

    def close(self) -> None:
        self.client.close()
        self.immune.close()


@pytest.fixture
def make_fleet(tmp_path: Path) -> Iterator[Callable[..., Fleet]]:
    made: list[Fleet] = []

    def _make(**settings: object) -> Fleet:
        fleet = Fleet(tmp_path / f"f{len(made)}", GatewayConfig(**settings))  # type: ignore[arg-type]
        made.append(fleet)
        return fleet

    yield _make
    for fleet in made:
        fleet.close()


@pytest.fixture
def fleet(make_fleet: Callable[..., Fleet]) -> Fleet:
    return make_fleet()
