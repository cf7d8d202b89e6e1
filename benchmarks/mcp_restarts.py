"""False alarms of tool pinning: an unchanged MCP server restarted many times.

    python benchmarks/mcp_restarts.py [--restarts 100] [--transport http|stdio]

``http``: one ``immuno mcp proxy --upstream`` stays up; the server (``_mcp_server.py``)
is stopped and started again, a new process each time (a new hash seed, new
imports), and a new client connection lists its tools and calls one. ``stdio``: the
client starts the proxy, the proxy the server, every time (both processes new).
The first listing pins the tools; every later one must find them unchanged. A false
alarm is any tool withheld, any call refused, or any ``mcp.tool.changed`` in the
audit log. Exit status 1 when there was one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from _service import free_port
from immuno.audit.reader import entries
from immuno.core.config import load_config
from immuno.store import open_store
from mcp_proxy_speed import SERVER, _listening, _proxy, _workdir

TOOLS = {"read_doc", "search", "send_doc"}


async def _session(read: object, write: object) -> tuple[set[str], bool]:
    async with ClientSession(read, write) as session:  # type: ignore[arg-type]
        await session.initialize()
        tools = {tool.name for tool in (await session.list_tools()).tools}
        result = await session.call_tool("read_doc", {"name": "thread"})
        return tools, not result.is_error


async def _via_stdio(folder: Path) -> tuple[set[str], bool]:
    args = _proxy(folder, "--", sys.executable, str(SERVER))
    params = StdioServerParameters(command=sys.executable, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        return await _session(read, write)


async def _via_http(url: str) -> tuple[set[str], bool]:
    async with streamable_http_client(url) as (read, write):
        return await _session(read, write)


def _changed(folder: Path) -> int:
    store = open_store(load_config(folder / "immuno.yaml").store.location)
    try:
        return sum(1 for _, entry, _ in entries(store) if b'"mcp.tool.changed"' in entry)
    finally:
        store.close()


def main() -> None:
    import subprocess

    parser = argparse.ArgumentParser()
    parser.add_argument("--restarts", type=int, default=100)
    parser.add_argument("--transport", choices=("http", "stdio"), default="http")
    args = parser.parse_args()
    folder = _workdir()
    alarms, started = 0, time.monotonic()
    proxy = server = None
    try:
        if args.transport == "http":
            server_port, proxy_port = free_port(), free_port()
            upstream = f"http://127.0.0.1:{server_port}/mcp"
            listen = f"127.0.0.1:{proxy_port}"
            command = [sys.executable, *_proxy(folder, "--upstream", upstream, "--listen", listen)]
            proxy = subprocess.Popen(command)
            _listening(proxy_port, proxy)
        for run in range(1 + args.restarts):  # the first run pins
            if args.transport == "http":
                port = str(server_port)
                server = subprocess.Popen([sys.executable, str(SERVER), "--http", port])
                _listening(server_port, server)
                tools, called = anyio.run(_via_http, f"http://{listen}/mcp")
                server.terminate()
                server.wait(10)
            else:
                tools, called = anyio.run(_via_stdio, folder)
            if tools != TOOLS or not called:
                alarms += 1
                print(f"run {run}: tools {sorted(tools)}, call {'ran' if called else 'refused'}")
    finally:
        for process in (server, proxy):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
    changed = _changed(folder)
    elapsed = time.monotonic() - started
    print(
        f"{args.restarts} restarts ({args.transport}) after the first listing: "
        f"{alarms} false alarms, {changed} mcp.tool.changed in the audit log, {elapsed:.0f} s"
    )
    sys.exit(1 if alarms or changed else 0)


if __name__ == "__main__":
    main()
