"""Shared machinery of the service benchmarks: a real ``immuno serve`` (or a bare
Starlette endpoint under the same uvicorn) on a loopback port, wrk for closed-loop
maximum rates, and an asyncio open-loop client for fixed-rate latency.

Everything runs on 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).parent))
from _timing import prose
from immuno import Immune, load_config
from immuno.audit import reader
from immuno.identity import Registry
from immuno.identity.tokens import TokenIssuer

HERE = Path(__file__).resolve().parent
AGENT = "bench"
AUDIENCE = "immuno-gateway"
STARTUP_SECONDS = 60.0
CONFIG = """\
store:
  path: {store}
detect:
  classifier: false   # every layer but the classifier (the hot-path budget)
gateway:
  port: {port}
  workers: {workers}
  rate: 1000000000    # the benchmark measures the service, not the token bucket
  burst: 1000000000
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signal_body(i: int, size: int = 2048) -> bytes:
    """A 2 KB tool result of the bench agent's (benign prose, distinct per ``i``)."""
    return msgspec.json.encode(
        {
            "kind": "tool_result",
            "agent": AGENT,
            "tool": "web.fetch",
            "provenance": "untrusted",
            "content": prose(size, seed=i),
        }
    )


BODIES = [signal_body(i) for i in range(64)]


@dataclass
class Server:
    """A running server: its URL, the token to use, its process and store."""

    url: str
    port: int
    token: str
    process: subprocess.Popen[bytes]
    store: Path | None
    log: Path
    baseline: int = 0  # audit entries the store held before the first request
    workers: list[int] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def worker_pids(self) -> list[int]:
        """The uvicorn workers (children of the supervisor), to notice restarts."""
        return sorted(_children(self.process.pid))

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _wait_ready(url: str, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}{path}", timeout=1.0).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {STARTUP_SECONDS}s")


def _expected_workers(server: Server, count: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(server.worker_pids()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    server.workers = server.worker_pids()


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def immuno_serve(workers: int = 2, folder: Path | None = None) -> Iterator[Server]:
    """``immuno serve`` over a fresh store, with the bench agent enrolled; a token."""
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="immuno-svc-")))
        port = free_port()
        store = folder / "immuno.db"
        config = folder / "immuno.yaml"
        config.write_text(CONFIG.format(store=store, port=port, workers=workers))
        immune = Immune(load_config(config))
        Registry(immune.store, immune.clock).register(AGENT)
        token = TokenIssuer(immune.authority, immune.store, immune.clock).issue(
            AGENT, AUDIENCE, ["agent"], ttl=24 * 3600
        )
        baseline = reader.log_size(immune.store)
        immune.close()
        log = folder / "serve.log"
        command = [sys.executable, "-m", "immuno", "serve", "--config", str(config)]
        command += ["--workers", str(workers)]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, cwd=folder, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = Server(f"http://127.0.0.1:{port}", port, token, process, store, log, baseline)
        try:
            _wait_ready(server.url, process, "/readyz")
            _expected_workers(server, workers)
            yield server
        finally:
            _stop(process)


@contextlib.contextmanager
def bare_serve(workers: int = 2) -> Iterator[Server]:
    """The floor: a bare Starlette endpoint under the same uvicorn and workers."""
    with tempfile.TemporaryDirectory(prefix="immuno-bare-") as name:
        folder = Path(name)
        port = free_port()
        log = folder / "bare.log"
        command = [sys.executable, "-m", "uvicorn", "_bare_app:create_app", "--factory"]
        command += ["--app-dir", str(HERE), "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "warning"]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, cwd=folder, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = Server(f"http://127.0.0.1:{port}", port, "bare", process, None, log)
        try:
            _wait_ready(server.url, process, "/healthz")
            _expected_workers(server, workers)
            yield server
        finally:
            _stop(process)


# -- closed loop: wrk ---------------------------------------------------------------

WRK = ["wrk", "--timeout", "30s"]
WRK_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local bodies = {{
{bodies}
}}
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, "/v1/check", nil, bodies[(i % #bodies) + 1])
end
"""


@dataclass(frozen=True)
class WrkResult:
    rate: float  # requests per second
    requests: int
    errors: int  # non-2xx answers plus socket errors


def wrk(server: Server, seconds: int, connections: int = 32, threads: int = 1) -> WrkResult:
    """Maximum rate: wrk keeps ``connections`` keep-alive requests in flight."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    bodies = ",\n".join(f"[==[{b.decode()}]==]" for b in BODIES)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(token=server.token, bodies=bodies))
    try:
        done = subprocess.run(
            [
                *WRK,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                script.name,
                server.url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        os.unlink(script.name)
    out = done.stdout
    rate = float(_grab(r"Requests/sec:\s+([\d.]+)", out))
    requests = int(_grab(r"(\d+) requests in", out))
    errors = int(_grab(r"Non-2xx or 3xx responses:\s+(\d+)", out, "0"))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(rate, requests, errors)


def _grab(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found:
        return found.group(1)
    if default is None:
        raise RuntimeError(f"wrk output lacks {pattern!r}:\n{text}")
    return default


# -- open loop: fixed rate ------------------------------------------------------------


@dataclass
class OpenLoopResult:
    sent: int
    statuses: dict[int, int]
    latencies_ms: list[float]  # from each request's scheduled start (no coordinated omission)
    seqs: list[tuple[int, int]]  # (request number, audit seq) of every 200 with a seq
    missing_seq: int  # 200 answers without a seq
    elapsed: float
    failures: int  # requests with no answer at all (connection error, timeout)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


class _Conn:
    """One keep-alive HTTP/1.1 connection (raw streams: far cheaper than an HTTP
    library, so the client's own cost stays out of the figures)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        length = int(_grab_bytes(rb"(?i)content-length:\s*(\d+)", headers))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def _grab_bytes(pattern: bytes, data: bytes) -> bytes:
    found = re.search(pattern, data)
    if not found:
        raise RuntimeError(f"no {pattern!r} in {data[:200]!r}")
    return found.group(1)


def _head(server: Server, length: int) -> bytes:
    return (
        f"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


class _Verdict(msgspec.Struct):
    seq: int | None = None


def rotating(i: int) -> bytes:
    """The default bodies: 64 distinct 2 KB tool results, in turn."""
    return BODIES[i % len(BODIES)]


async def _open_loop(
    server: Server,
    rate: float,
    seconds: float,
    connections: int,
    timeout: float,
    body_for: Callable[[int], bytes],
) -> OpenLoopResult:
    idle: asyncio.Queue[_Conn] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(_Conn(*await asyncio.open_connection("127.0.0.1", server.port)))
    decode = msgspec.json.Decoder(_Verdict).decode
    result = OpenLoopResult(0, {}, [], [], 0, 0.0, 0)
    loop = asyncio.get_running_loop()

    async def one(i: int, scheduled: float) -> None:
        body = body_for(i)
        conn = await idle.get()
        try:
            status, reply = await asyncio.wait_for(
                conn.request(_head(server, len(body)), body), timeout
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError):
            result.failures += 1
            conn.close()  # its state is unknown: replace it
            idle.put_nowait(_Conn(*await asyncio.open_connection("127.0.0.1", server.port)))
            return
        result.latencies_ms.append((loop.time() - scheduled) * 1000)
        idle.put_nowait(conn)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status == 200:
            seq = decode(reply).seq
            if seq is None:
                result.missing_seq += 1
            else:
                result.seqs.append((i, seq))

    total = int(rate * seconds)
    tasks: set[asyncio.Task[None]] = set()
    start = loop.time() + 0.05
    for i in range(total):
        scheduled = start + i / rate
        # Behind schedule, still yield: answers must be read while we catch up.
        await asyncio.sleep(max(scheduled - loop.time(), 0.0))
        task = asyncio.create_task(one(i, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        result.sent += 1
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 5)
    result.elapsed = loop.time() - start
    while not idle.empty():
        idle.get_nowait().close()
    return result


def open_loop(
    server: Server,
    rate: float,
    seconds: float,
    *,
    connections: int = 64,
    timeout: float = 30.0,
    body_for: Callable[[int], bytes] = rotating,
) -> OpenLoopResult:
    """Issue requests at ``rate`` per second for ``seconds``, whatever the answers'
    pace; each latency counts from the moment its request was due."""
    return asyncio.run(_open_loop(server, rate, seconds, connections, timeout, body_for))


def median(values: list[float]) -> float:
    return statistics.median(values)
