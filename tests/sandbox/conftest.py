"""Fixtures for the sandbox tests: real bubblewrap, real local servers on 127.0.0.1."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from immuno.sandbox import host

SUPPORT = host.support()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SUPPORT.ok:
        return
    why = "this host cannot sandbox: " + "; ".join(SUPPORT.missing)
    if os.environ.get("CI"):  # CI installs bubblewrap (scripts/services.sh): must not skip
        return
    for item in items:
        if "needs_sandbox" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=why))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_sandbox: runs real bubblewrap")


@dataclass
class Server:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    port: int
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    """Two servers: one a tool may reach, one it must not."""
    running = []
    made = []
    for name in ("allowed", "forbidden"):
        record = Server(0)

        class Handler(http.server.BaseHTTPRequestHandler):
            server_name_ = name
            seen = record

            def do_GET(self) -> None:
                self.seen.requests.append(f"{self.headers.get('Host')} {self.path}")
                body = f"{self.server_name_} server".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        record.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        running.append((server, thread))
        made.append(record)
    yield made[0], made[1]
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder a test declares; readable by the sandbox's user."""
    path = tmp_path / "work"
    path.mkdir()
    return path
