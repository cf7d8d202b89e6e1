"""mTLS: the gateway served by uvicorn with the local CA's server context; a client
certificate authenticates its agent, registry roles give the operator role."""

from __future__ import annotations

import functools
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from immuno import Config, Immune
from immuno.gateway import build_app
from immuno.gateway.tls import PeerAgentProtocol, mtls_context
from immuno.identity import LocalCA, Registry, client_context
from immuno.identity.tokens import TokenIssuer
from tests.backends import store_config


class Served:
    def __init__(self, tmp_path: Path) -> None:
        self.folder = tmp_path
        self.immune = Immune(Config(store=store_config(tmp_path / "immuno.db")))
        self.ca = LocalCA(tmp_path / "ca", self.immune.authority, self.immune.store, time.time)
        self.ca.init()
        registry = Registry(self.immune.store, self.immune.clock)
        registry.register("alice")
        registry.register("ops", roles=["operator"])
        key, cert = self.ca.issue("gateway", tmp_path / "server")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        config = uvicorn.Config(
            build_app(self.immune),
            host="127.0.0.1",
            port=self.port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            ssl_context_factory=functools.partial(
                mtls_context, str(self.ca.folder), str(cert), str(key)
            ),
            http=PeerAgentProtocol,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def client(self, agent: str | None) -> httpx.Client:
        if agent is None:
            context = ssl.create_default_context(cafile=self.ca.ca_file)
            context.check_hostname = False
        else:
            key, cert = self.ca.issue(agent, self.folder / agent)
            context = client_context(self.ca.folder, cert, key)
        return httpx.Client(base_url=f"https://127.0.0.1:{self.port}", verify=context, timeout=5)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = Served(tmp_path)
    s.thread.start()
    deadline = time.monotonic() + 10
    while not s.server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert s.server.started
    yield s
    s.server.should_exit = True
    s.thread.join(10)
    s.immune.close()


BENIGN = {"kind": "tool_result", "agent": "alice", "content": "Sunny, 21 C."}


def test_client_certificate_names_the_agent(served: Served) -> None:
    with served.client("alice") as alice:
        assert alice.post("/v1/check", json=BENIGN).json()["action"] == "allow"
        other = alice.post("/v1/check", json={**BENIGN, "agent": "ops"})
        assert other.status_code == 403
        assert alice.get("/v1/approvals").status_code == 403  # an agent, not an operator


def test_registry_role_operator_gives_the_operator_role(served: Served) -> None:
    with served.client("ops") as ops:
        assert ops.get("/v1/approvals").status_code == 200


def test_no_client_certificate_no_connection(served: Served) -> None:
    with served.client(None) as anonymous, pytest.raises(httpx.HTTPError):
        anonymous.get("/healthz").raise_for_status()


def test_token_must_name_the_certificate_agent(served: Served) -> None:
    issuer = TokenIssuer(served.immune.authority, served.immune.store, served.immune.clock)
    token = issuer.issue("ops", "immuno-gateway", ["operator"])
    with served.client("alice") as alice:
        response = alice.get("/v1/approvals", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "certificate" in response.json()["error"]["message"]
