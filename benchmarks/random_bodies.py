"""Random and mutated bodies against a running ``immuno serve``, over a real socket.

    python benchmarks/random_bodies.py [--count 100000] [--workers 2] [--seed 6]

Bodies: valid 2 KB tool results with fields dropped, replaced or added; random JSON
values of every type (deep nesting, huge numbers, any code point, lone surrogates);
byte-level damage (truncation, flipped bytes, junk, invalid UTF-8, NUL); empty
bodies; bodies just under and over ``gateway.max_body_bytes``. Each goes to
``POST /v1/check`` with a valid agent token, 8 keep-alive connections in parallel.

Pass: no 5xx, every request answered, and no worker restarted (the supervisor's
children are the same before and after, and the server printed no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _service import Server, immuno_serve, signal_body

CONNECTIONS = 8
MAX_BODY = 1_048_576  # the default gateway.max_body_bytes
KEYS = [
    "kind",
    "agent",
    "content",
    "tool",
    "args",
    "provenance",
    "peer",
    "trace",
    "id",
    "at",
    "envelope",
    "approval_id",
    "bogus",
    "",
]
KINDS = ["tool_call", "tool_result", "message", "memory_write", "memory_read", "output"]


def value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(10 if depth < 4 else 7)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 2**63, -(2**63) - 1, 2**200, 1.5, -0.0, 1e308, 5e-324])
    if choice == 3:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(16)))
    if choice == 4:
        return rng.choice([*KINDS, "trusted", "internal", "bench", "", "\x00", "☃" * 64])
    if choice == 5:
        return "x" * rng.randrange(5000)
    if choice == 6:
        return rng.uniform(-1e9, 1e9)
    if choice == 7:
        return [value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(KEYS): value(rng, depth + 1) for _ in range(rng.randrange(5))}


def mutated(rng: random.Random) -> bytes:
    body: dict[str, Any] = json.loads(signal_body(rng.randrange(64)))
    for _ in range(rng.randrange(1, 4)):
        key = rng.choice(KEYS)
        if rng.random() < 0.3:
            body.pop(key, None)
        else:
            body[key] = value(rng)
    if rng.random() < 0.2:
        body["kind"] = rng.choice(KINDS)
    raw = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if rng.random() < 0.3:
        raw = damaged(rng, raw)
    return raw


def damaged(rng: random.Random, raw: bytes) -> bytes:
    how = rng.randrange(4)
    if how == 0:  # truncated, junk appended
        cut = rng.randrange(len(raw) + 1)
        return raw[:cut] + bytes(rng.randrange(256) for _ in range(rng.randrange(6)))
    if how == 1:  # bytes flipped
        data = bytearray(raw)
        for _ in range(rng.randrange(1, 8)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if how == 2:  # invalid UTF-8 inside a string
        at = raw.find(b'"content"')
        return raw[: at + 12] + b"\xff\xfe\xc3(" + raw[at + 12 :] if at >= 0 else raw
    return raw.replace(b'"', b"", rng.randrange(1, 4))


def special(rng: random.Random) -> bytes:
    """Rare shapes: nesting bombs, empty and oversized bodies, other documents."""
    choice = rng.randrange(8)
    if choice == 0:
        depth = rng.choice([100, 1000, 100_000])
        return b"[" * depth + b"]" * depth
    if choice == 1:
        depth = rng.choice([100, 5000])
        return b'{"args":' * depth + b"1" + b"}" * depth
    if choice == 2:
        return b""
    if choice == 3:  # just under and just over the body limit
        size = MAX_BODY + rng.choice([-200, 1, 4096])
        head = b'{"kind":"tool_result","agent":"bench","content":"'
        return head + b"a" * (size - len(head) - 2) + b'"}'
    if choice == 4:
        return b"\x00" * rng.randrange(1, 64)
    if choice == 5:
        return rng.choice([b"null", b"true", b"[]", b"{}", b"1e999", b'"\\ud800"', b"NaN"])
    if choice == 6:
        return json.dumps({"kind": "tool_result", "agent": "bench", "args": value(rng)}).encode()
    return bytes(rng.randrange(256) for _ in range(rng.randrange(256)))


def bodies(rng: random.Random, count: int) -> list[bytes]:
    made = []
    for i in range(count):
        if i % 100 == 0:
            made.append(special(rng))
        elif i % 3 == 0:
            made.append(json.dumps(value(rng)).encode())
        else:
            made.append(mutated(rng))
    return made


async def send_all(server: Server, todo: list[bytes]) -> tuple[Counter[int], int, int]:
    """(statuses, requests without an answer, connections the server closed)."""
    statuses: Counter[int] = Counter()
    unanswered = closed = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in todo:
        queue.put_nowait(body)
    auth = f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"

    async def connection() -> None:
        nonlocal unanswered, closed
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        while not queue.empty():
            body = queue.get_nowait()
            head = (
                f"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            try:
                writer.write(head + body)
                raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
                headers = raw.lower()
                length = int(headers.split(b"content-length:")[1].split(b"\r\n")[0])
                await asyncio.wait_for(reader.readexactly(length), 60)
                statuses[int(raw[9:12])] += 1
                keep = b"connection: close" not in headers
            except (TimeoutError, OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                unanswered += 1
                keep = False
            if not keep:  # the server ended the connection (as it may after a 413)
                closed += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return statuses, unanswered, closed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    todo = bodies(random.Random(args.seed), args.count)
    print(f"{len(todo):,} random/mutated bodies to POST /v1/check, {args.workers} workers")
    with immuno_serve(args.workers) as server:
        before = server.worker_pids()
        started = time.perf_counter()
        statuses, unanswered, closed = asyncio.run(send_all(server, todo))
        elapsed = time.perf_counter() - started
        after = server.worker_pids()
        output = server.output()
    errors = sum(n for status, n in statuses.items() if status >= 500)
    restarts = before != after
    tracebacks = output.count("Traceback")
    print(
        f"  answered {sum(statuses.values()):,} in {elapsed:.0f} s: "
        f"{dict(sorted(statuses.items()))}"
    )
    print(f"  5xx: {errors}   unanswered: {unanswered}   connections the server closed: {closed}")
    print(f"  workers {before} -> {after}: {'RESTARTED' if restarts else 'no restart'}")
    print(f"  tracebacks in the server's output: {tracebacks}")
    clean = errors == 0 and unanswered == 0 and not restarts and tracebacks == 0
    print(f"  -> {'PASS' if clean else 'FAIL'}")
    if not clean:
        print(output[-5000:])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
