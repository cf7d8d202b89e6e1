"""A replica that loses its PostgreSQL store answers 503 and never allows; when the
store comes back, so does the service. The network between them is a real TCP relay
on loopback that the test cuts."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from immuno import Config, Immune
from immuno.core.config import StoreConfig
from immuno.gateway import build_app
from immuno.identity import Registry
from immuno.identity.tokens import TokenIssuer
from tests.backends import ON_POSTGRES, current, postgres_url

# It needs a PostgreSQL server whichever backend the pass is on: run it once.
pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="runs on the PostgreSQL pass")


class Relay:
    """Forwards 127.0.0.1:port to the server until cut; cut connections are reset."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()  # the store is unreachable
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open = False
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_a_replica_that_loses_its_store_answers_503_never_allow(tmp_path: Path) -> None:
    url = current.url(str(tmp_path / "store"))  # a fresh schema on the test server
    server = urlsplit(postgres_url())
    relay = Relay(server.hostname or "127.0.0.1", server.port or 5432)
    relayed = url.replace(f"{server.hostname}:{server.port}", f"127.0.0.1:{relay.port}", 1)
    where = StoreConfig(path=str(tmp_path / "immuno.db"), url=relayed, timeout=1.0)
    immune = Immune(Config(store=where))
    Registry(immune.store, immune.clock).register("alice")
    token = TokenIssuer(immune.authority, immune.store, immune.clock).issue(
        "alice", "immuno-gateway", ("agent",)
    )
    headers = {"Authorization": f"Bearer {token}"}
    body = {"kind": "tool_result", "agent": "alice", "content": "The weather is mild today."}
    client = TestClient(build_app(immune))
    try:
        assert client.post("/v1/check", json=body, headers=headers).json()["action"] == "allow"
        relay.cut()
        for _ in range(2):
            answer = client.post("/v1/check", json=body, headers=headers)
            assert answer.status_code == 503, answer.text
            assert "action" not in answer.json()  # no verdict at all, let alone allow
        assert client.get("/readyz").status_code == 503
        relay.restore()
        for _ in range(100):  # bounded: the pool reconnects in the background
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.2)
        answer = client.post("/v1/check", json=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["action"] == "allow"
    finally:
        client.close()
        immune.close()
        relay.close()
