"""Real TLS connections on 127.0.0.1 with certificates of the local CA."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path

import pytest

from immuno.core.authority import Authority
from immuno.identity.ca import LocalCA, client_context, peer_agent, server_context
from immuno.store import Store

from .conftest import FakeClock


@pytest.fixture
def ca(tmp_path: Path, store: Store, clock: FakeClock) -> LocalCA:
    authority = LocalCA(tmp_path / "ca", Authority.generate(), store, _real_clock())
    authority.init()
    return authority


def _real_clock() -> FakeClock:
    import time

    return FakeClock(time.time())


def serve_once(context: ssl.SSLContext) -> tuple[int, dict[str, str], threading.Thread]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    port = listener.getsockname()[1]
    result: dict[str, str] = {}

    def run() -> None:
        with listener:
            conn, _ = listener.accept()
            conn.settimeout(10)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    result["agent"] = peer_agent(tls)
                    tls.sendall(b"hello " + result["agent"].encode())
            except (ssl.SSLError, OSError) as exc:
                result["error"] = type(exc).__name__

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return port, result, thread


def connect(port: int, context: ssl.SSLContext) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        return tls.recv(100)


@pytest.fixture
def server(ca: LocalCA, tmp_path: Path) -> ssl.SSLContext:
    key, cert = ca.issue("gateway", tmp_path / "gw")
    return server_context(ca.folder, cert, key)


def test_valid_client_connects_and_is_named(
    ca: LocalCA, server: ssl.SSLContext, tmp_path: Path
) -> None:
    key, cert = ca.issue("planner", tmp_path / "planner")
    port, result, thread = serve_once(server)
    assert connect(port, client_context(ca.folder, cert, key)) == b"hello planner"
    thread.join(10)
    assert result == {"agent": "planner"}


def refused(
    port: int, context: ssl.SSLContext, result: dict[str, str], thread: threading.Thread
) -> bool:
    with contextlib.suppress(ssl.SSLError, OSError):
        connect(port, context)
    thread.join(10)
    return "error" in result and "agent" not in result


def test_client_of_another_ca_is_refused(
    ca: LocalCA, server: ssl.SSLContext, tmp_path: Path, store: Store
) -> None:
    other = LocalCA(tmp_path / "other", Authority.generate(), store, _real_clock())
    other.init()
    key, cert = other.issue("planner", tmp_path / "rogue")
    context = client_context(ca.folder, cert, key)  # trusts our CA, presents a rogue cert
    port, result, thread = serve_once(server)
    assert refused(port, context, result, thread)


def test_expired_client_is_refused(ca: LocalCA, server: ssl.SSLContext, tmp_path: Path) -> None:
    import time

    key, cert = ca.issue("planner", tmp_path / "old", days=1, not_before=time.time() - 3 * 86400)
    port, result, thread = serve_once(server)
    assert refused(port, client_context(ca.folder, cert, key), result, thread)


def test_revoked_client_is_refused(ca: LocalCA, tmp_path: Path) -> None:
    gw_key, gw_cert = ca.issue("gateway", tmp_path / "gw")
    key, cert = ca.issue("planner", tmp_path / "planner")
    assert ca.revoke("planner") == 1
    port, result, thread = serve_once(server_context(ca.folder, gw_cert, gw_key))
    assert refused(port, client_context(ca.folder, cert, key), result, thread)


def test_client_without_certificate_is_refused(ca: LocalCA, server: ssl.SSLContext) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=ca.ca_file)
    context.check_hostname = False
    port, result, thread = serve_once(server)
    assert refused(port, context, result, thread)
