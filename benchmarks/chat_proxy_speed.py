"""The chat proxy's overhead per message, over a direct connection to the same upstream.

Run: .venv/bin/python benchmarks/chat_proxy_speed.py [--turns 2000]

Three processes on 127.0.0.1: a fake OpenAI-style upstream (``_chat_upstream.py``),
``immuno proxy`` in front of it (every layer but the classifier,
``detect.classifier: false``, each verdict sealed in a SQLite audit log), and this
client. Each request is the next turn of a conversation (20 turns, then a new one):
the whole history is sent again and one user message is new, so the proxy judges
one new message on the way in and the assistant's reply (as ``output``) on the way
out. Each conversation is its own agent (``X-Immuno-Agent``): a load generator's
turns, hundreds a second at the machine's pace, are a rhythm so regular that a shift
of it (the next phase, another job on the machine) reads to behavioural drift as the
agent changing pace, which says nothing about the proxy.
Direct and proxied requests alternate, so both see the same machine; the
overhead is the difference of each proxied request and the direct one before it.
Non-streaming (the whole reply) and streaming (20 content deltas, timed to the last
byte) are measured the same way. Beside the proxy, a bare forwarder on the same stack
(``_chat_bare_proxy.py``: Starlette, uvicorn, aiohttp, checking nothing) is the floor of
any proxy written this way; the CPU time each server process used a request (from
/proc, so other work on the machine does not count) separates what the checks cost
from what forwarding costs.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).parent))
from _service import free_port
from _timing import prose
from immuno.core.config import StoreConfig

HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 60.0
TURNS_PER_CONVERSATION = 20
CONFIG = """\
store:
  path: {store}
detect:
  classifier: false   # every layer but the classifier (the hot-path budget)
policy:
  manifests: [{manifest}]
"""
MANIFEST = """\
roles:
  assistant:
    tools: [web.fetch]
tools:
  web.fetch:
    args:
      url: {type: string}
"""


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} was not ready within {STARTUP_SECONDS}s")


def start(command: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=cwd, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def conversation(turn: int) -> tuple[list[dict[str, str]], str]:
    """The history sent at ``turn`` (grows by one exchange a turn) and its session,
    which also names the agent."""
    number, within = divmod(turn, TURNS_PER_CONVERSATION)
    history = [{"role": "system", "content": "You are the finance team's assistant."}]
    for step in range(within + 1):
        words = prose(200, seed=number * 1000 + step)
        history.append({"role": "user", "content": f"Question {step}: {words}?"})
        if step < within:
            history.append({"role": "assistant", "content": f"Answer {step}: noted."})
    return history, f"bench-{number}"


def timed(client: httpx.Client, url: str, body: dict[str, object], session: str) -> float:
    """Seconds from sending to the reply's last byte."""
    started = time.perf_counter()
    headers = {"X-Immuno-Session": session, "X-Immuno-Agent": session}
    with client.stream("POST", url, json=body, headers=headers) as reply:
        received = b"".join(reply.iter_raw())
        if reply.status_code != 200:
            raise SystemExit(f"{url}: {reply.status_code} {received!r}")
    return time.perf_counter() - started


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    urls: dict[str, str], pids: dict[str, int], *, stream: bool, turns: int, offset: int
) -> None:
    """Alternate one request to each server per turn; print each and the overheads."""
    times: dict[str, list[float]] = {name: [] for name in urls}
    with httpx.Client(timeout=30.0) as client:
        cpu: dict[str, float] = {}
        for turn in range(-50, turns):  # 50 warm-up turns, not counted
            if turn == 0:
                cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
            history, session = conversation(offset + turn + 50)
            body = {"model": "bench-1", "messages": history, "stream": stream}
            for name, url in urls.items():
                took = timed(client, f"{url}/v1/chat/completions", body, session)
                if turn >= 0:
                    times[name].append(took * 1e3)
        used = {name: (cpu_seconds(pid) - cpu[name]) * 1e3 / turns for name, pid in pids.items()}
    kind = "streaming (20 content deltas)" if stream else "non-streaming"
    print(f"{kind}, {turns} turns (one new message each), ms:")
    used["direct"] /= len(urls)  # the upstream answers every server's request
    for name, values in times.items():
        print(
            f"  {name:<24} median {statistics.median(values):6.3f}   p99 {p99(values):6.3f}"
            f"   its own CPU a request {used[name]:6.3f}"
        )
    direct = times["direct"]
    for name in [n for n in times if n != "direct"]:
        extra = [t - d for t, d in zip(times[name], direct, strict=True)]
        ratio = statistics.median(times[name]) / statistics.median(direct)
        print(
            f"  overhead {name:<15} median {statistics.median(extra):6.3f}   "
            f"p99 {p99(extra):6.3f}   ratio {ratio:.2f}x"
        )
    checks = used["immuno proxy"] - used["bare forwarder"]
    print(f"  CPU the checks add to forwarding, a request: {checks:6.3f}")


def in_process(root: Path, turns: int) -> None:
    """The checks alone, no HTTP: parse the request, judge what is new, check the reply."""
    from _chat_upstream import COMPLETION
    from immuno import Immune, load_config
    from immuno.chat_proxy.judge import Turn
    from immuno.chat_proxy.outbound import check_completion
    from immuno.chat_proxy.seen import SeenBook
    from immuno.chat_proxy.wire import encode, read_messages, read_request

    config = load_config(root / "immuno.yaml")
    immune = Immune(msgspec.structs.replace(config, store=StoreConfig(path=str(root / "in.db"))))
    seen = SeenBook(ttl=3600.0)
    took: list[float] = []
    for turn in range(-50, turns):
        history, session = conversation(20 * turns + turn + 50)
        raw = encode({"model": "bench-1", "messages": history})
        started = time.perf_counter()
        body = read_request(raw)
        messages = read_messages(body)
        judged = Turn(immune, seen, session, session)
        judged.messages(body, messages)
        check_completion(judged, COMPLETION)
        if turn >= 0:
            took.append((time.perf_counter() - started) * 1e3)
    immune.close()
    print(f"checks alone, in process, {turns} turns (one new message, one reply), ms:")
    print(f"  median {statistics.median(took):6.3f}   p99 {p99(took):6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "agents.yaml").write_text(MANIFEST, encoding="utf-8")
        (root / "immuno.yaml").write_text(
            CONFIG.format(store=root / "immuno.db", manifest=root / "agents.yaml"), encoding="utf-8"
        )
        ports = {name: free_port() for name in ("direct", "bare forwarder", "immuno proxy")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        upstream = f"{urls['direct']}/v1"
        commands = {
            "direct": [str(HERE / "_chat_upstream.py"), str(ports["direct"])],
            "bare forwarder": [
                str(HERE / "_chat_bare_proxy.py"),
                str(ports["bare forwarder"]),
                upstream,
            ],
            "immuno proxy": [
                *("-m", "immuno", "proxy", "--upstream", upstream),
                *("--listen", f"127.0.0.1:{ports['immuno proxy']}"),
                *("--config", str(root / "immuno.yaml")),
            ],
        }
        started: list[subprocess.Popen[bytes]] = []
        try:
            for name, command in commands.items():
                started.append(start([sys.executable, *command], root))
                wait_ready(urls[name], started[-1])
            pids = {name: process.pid for name, process in zip(commands, started, strict=True)}
            measure(urls, pids, stream=False, turns=args.turns, offset=0)
            measure(urls, pids, stream=True, turns=args.turns, offset=10 * args.turns)
        finally:
            for process in reversed(started):
                stop(process)
        in_process(root, args.turns)


if __name__ == "__main__":
    main()
