"""Fixtures for the MCP proxy: a working directory with a manifest and a config (its
store on the test backend), and real MCP clients talking to the test server through
the proxy, over stdio and streamable HTTP, with bounded waits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import backends
from tests.net import free_port

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.py"
MANIFEST = """\
agents:
  assistant:
    tools: [read_note, fetch_page, delete_note, count_words]
tools:
  read_note:
    args:
      name: {type: string}
  fetch_page:
    args:
      title: {type: string}
  count_words:
    args:
      text: {type: string}
  delete_note:
    sink: deletion
    approval: required
    args:
      name: {type: string}
      permanent: {type: boolean, required: false}
  send_mail:
    sink: mail
    args:
      to: {type: string, from: trusted}
      subject: {type: string}
      body: {type: string}
      cc: {type: array, required: false, nullable: true}
"""


class Workdir:
    """A folder holding ``agents.yaml`` and ``immuno.yaml`` (store on the test backend)."""

    def __init__(self, path: Path, store_url: str | None, detect: str = "") -> None:
        self.path = path
        self.calls = path / "calls.jsonl"
        (path / "agents.yaml").write_text(MANIFEST, encoding="utf-8")
        store = f"store:\n  path: {path / 'immuno.db'}\n"
        if store_url is not None:
            store += f"  url: '{store_url}'\n"
        config = f"{store}policy:\n  manifests: [{path / 'agents.yaml'}]\n"
        config += f"detect:\n  classifier: false\n{detect}"
        self.config = path / "immuno.yaml"
        self.config.write_text(config, encoding="utf-8")

    @property
    def location(self) -> str:
        from immuno.core.config import load_config

        return load_config(self.config).store.location

    def env(self, variant: str = "") -> dict[str, str]:
        return {**os.environ, "NOTES_CALLS": str(self.calls), "NOTES_VARIANT": variant}

    def proxy_args(self, *extra: str) -> list[str]:
        return ["-m", "immuno", "mcp", "proxy", "--config", str(self.config), *extra]

    def called(self) -> list[str]:
        """The tools that reached the server, in order."""
        import json

        if not self.calls.exists():
            return []
        lines = self.calls.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["tool"] for line in lines]


def make_workdir(
    path: Path, detect: str = "", schemas: backends.Schemas = backends.current
) -> Workdir:
    """A workdir whose store is a SQLite file, or a PostgreSQL schema of ``schemas``
    (the test's own by default, dropped when it ends)."""
    url = schemas.url(str(path / "immuno.db")) if backends.ON_POSTGRES else None
    return Workdir(path, url, detect)


@pytest.fixture(scope="module")
def shared_schemas() -> Iterator[backends.Schemas]:
    """PostgreSQL schemas that outlive one test (for a module's shared run)."""
    schemas = backends.Schemas()
    yield schemas
    schemas.drop()


@pytest.fixture
def workdir(tmp_path: Path) -> Workdir:
    return make_workdir(tmp_path)


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout} s")


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], env=env, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen[bytes]) -> str:
    """Stop a process started here; its stderr."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stderr.read().decode() if process.stderr else ""


class HttpPair:
    """The test server on HTTP and the proxy in front of it, each on a free port."""

    def __init__(self, workdir: Workdir, variant: str = "", json_response: bool = False) -> None:
        self.workdir = workdir
        self.server_port, self.proxy_port = free_port(), free_port()
        self.upstream = f"http://127.0.0.1:{self.server_port}/mcp"
        self.url = f"http://127.0.0.1:{self.proxy_port}/mcp"
        self.json_response = json_response
        proxy = workdir.proxy_args(
            "--agent", "assistant", "--server", "notes", "--upstream", self.upstream
        )
        # both start at once: the proxy needs its upstream only when a request comes
        self.server = self._spawn_server(variant)
        self.proxy = spawn([*proxy, "--listen", f"127.0.0.1:{self.proxy_port}"], workdir.env())
        try:
            wait_listening(self.server_port, self.server)
            wait_listening(self.proxy_port, self.proxy)
        except BaseException:
            self.close()
            raise

    def _spawn_server(self, variant: str) -> subprocess.Popen[bytes]:
        server = [str(SERVER), "--http", str(self.server_port)]
        if self.json_response:
            server.append("--json")
        return spawn(server, self.workdir.env(variant))

    def restart_server(self, variant: str = "") -> None:
        """Stop the server and start it again on its port (the proxy stays up)."""
        stop(self.server)
        self.server = self._spawn_server(variant)
        wait_listening(self.server_port, self.server)

    def close(self) -> str:
        log = stop(self.proxy)
        stop(self.server)
        return log
