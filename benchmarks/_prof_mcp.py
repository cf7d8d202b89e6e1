"""MCP proxy overhead: the same MCP server reached directly and through
``immuno mcp proxy``, over stdio and over streamable HTTP, in the same run.

    python benchmarks/mcp_proxy_speed.py [--calls 2000] [--rounds 10]

The client is the SDK's ClientSession; the server is ``_mcp_server.py`` (MCPServer),
whose ``read_doc`` returns a 2 KB e-mail thread. The proxy runs every layer but the
classifier (``detect.classifier: false``), sealing each verdict in a SQLite audit log;
the agent's manifest grants ``read_doc`` (with ``--origin-rule`` also a tool with a
``from:`` rule, see ``ORIGIN_RULE``). The behavioural drift detector is off too:
one agent repeating one identical call at the load generator's pace, in batches that
alternate with the direct connection's, is a rhythm whose every shift reads to it as
the agent changing pace (``identity.drift``), which would end the run.

Two exchanges are timed, each a request and its response (two messages), from the
client's send to its receipt:

* ``tools/call``: the call is checked against the manifest, the 2 KB result by
  detection and filed in the connection's session;
* ``ping``: relayed untouched both ways (the relay's own cost).

Direct and proxied connections stay open side by side and take turns in batches
(``--rounds`` rounds of ``--calls`` / ``--rounds`` exchanges each), so load from
other work falls on both. The overhead is the proxied median (p99) minus the direct
one; per message is half of it (each exchange is two messages, both read by the
proxy). Client, proxy and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from _service import free_port

HERE = Path(__file__).resolve().parent
SERVER = HERE / "_mcp_server.py"
MANIFEST = """\
agents:
  reader:
    tools: [read_doc]
tools:
  read_doc:
    args:
      name: {type: string}
"""
CONFIG = """\
store:
  path: {folder}/immuno.db
policy:
  manifests: [{folder}/agents.yaml]
detect:
  classifier: false
identity:
  drift:
    enabled: false  # the load generator's batched rhythm trips it (see the docstring)
"""
WARMUP = 50


# ``--origin-rule``: the manifest also holds a tool with a ``from:`` rule (never called
# here). With one anywhere, every read is judged and its words and values indexed in
# its session, as a deployment that guards a sink by provenance pays for.
ORIGIN_RULE = """\
  send_doc:
    sink: mail
    args:
      name: {type: string}
      to: {type: array}
      note: {type: string, from: trusted, required: false}
"""


def _workdir(origin_rule: bool = False) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mcp-bench-"))
    manifest = MANIFEST + ORIGIN_RULE if origin_rule else MANIFEST
    if origin_rule:
        manifest = manifest.replace("tools: [read_doc]", "tools: [read_doc, send_doc]")
    (folder / "agents.yaml").write_text(manifest, encoding="utf-8")
    (folder / "immuno.yaml").write_text(CONFIG.format(folder=folder), encoding="utf-8")
    return folder


def _proxy(folder: Path, *args: str) -> list[str]:
    config = str(folder / "immuno.yaml")
    return ["-m", "immuno", "mcp", "proxy", "--config", config, "--agent", "reader", *args]


def _listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a process exited ({process.args}) before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port}")


@contextlib.asynccontextmanager
async def _stdio(args: list[str]) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sys.executable, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.list_tools()
        yield session


@contextlib.asynccontextmanager
async def _http(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.list_tools()
        yield session


Exchange = Callable[[ClientSession], Awaitable[object]]
EXCHANGES: dict[str, Exchange] = {
    "tools/call": lambda s: s.call_tool("read_doc", {"name": "thread"}),
    "ping": lambda s: s.send_ping(),
}


async def _timed(session: ClientSession, exchange: Exchange, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter_ns()
        result = await exchange(session)
        times.append((time.perf_counter_ns() - started) / 1000.0)
        if getattr(result, "is_error", False):
            raise SystemExit(f"the call failed: {result}")
    return times


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def _compare(
    direct: ClientSession, proxied: ClientSession, calls: int, rounds: int
) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {k: {"direct": [], "proxy": []} for k in EXCHANGES}
    for name, exchange in EXCHANGES.items():
        for session in (direct, proxied):
            await _timed(session, exchange, WARMUP)
        for _ in range(rounds):
            for label, session in (("direct", direct), ("proxy", proxied)):
                times[name][label] += await _timed(session, exchange, calls // rounds)
    return times


def _report(transport: str, times: dict[str, dict[str, list[float]]]) -> None:
    for name, both in times.items():
        d50, p50 = statistics.median(both["direct"]), statistics.median(both["proxy"])
        d99, p99 = _p99(both["direct"]), _p99(both["proxy"])
        print(
            f"{transport:5} {name:10} direct {d50:6.0f} / {d99:6.0f} µs, "
            f"proxy {p50:6.0f} / {p99:6.0f} µs: overhead {p50 - d50:5.0f} / {p99 - d99:5.0f} µs "
            f"an exchange, {(p50 - d50) / 2:5.0f} / {(p99 - d99) / 2:5.0f} µs a message, "
            f"{p50 / d50:.2f}x"
        )


async def _run_stdio(folder: Path, calls: int, rounds: int) -> None:
    server = [str(SERVER)]
    async with (
        _stdio(server) as direct,
        _stdio(_proxy(folder, "--", sys.executable, *server)) as proxied,
    ):
        _report("stdio", await _compare(direct, proxied, calls, rounds))


async def _run_http(folder: Path, calls: int, rounds: int) -> None:
    server_port, proxy_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{server_port}/mcp"
    server = subprocess.Popen([sys.executable, str(SERVER), "--http", str(server_port)])
    listen = f"127.0.0.1:{proxy_port}"
    proxy = subprocess.Popen(
        [sys.executable, *_proxy(folder, "--upstream", upstream, "--listen", listen)]
    )
    try:
        _listening(server_port, server)
        _listening(proxy_port, proxy)
        async with _http(upstream) as direct, _http(f"http://{listen}/mcp") as proxied:
            _report("http", await _compare(direct, proxied, calls, rounds))
    finally:
        for process in (proxy, server):
            process.terminate()
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000, help="timed exchanges of each kind")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--origin-rule", action="store_true", help="a from: rule in the manifest (see above)"
    )
    args = parser.parse_args()
    rule = ", a from: rule in the manifest" if args.origin_rule else ", no from: rule"
    print(f"round trips, median / p99; every layer but the classifier, SQLite audit log{rule}")

    anyio.run(_run_http, _workdir(args.origin_rule), args.calls, args.rounds)


if __name__ == "__main__":
    main()
