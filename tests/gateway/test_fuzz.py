"""Random and mutated bodies to /v1/check: every answer is a 2xx or a 4xx, never a
5xx, and nothing malformed is ever allowed."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from .conftest import Fleet

SEED = 20261206
VALID: dict[str, Any] = {
    "kind": "tool_result",
    "agent": "alice",
    "content": "Meeting moved to 3pm.",
    "tool": "mail.read",
    "args": {"folder": "inbox", "limit": 5},
    "provenance": "untrusted",
}
KEYS = [*VALID, "peer", "trace", "id", "at", "envelope", "approval_id", "bogus", ""]


def _value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9 if depth < 3 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 2**63, 2**70, 1.5, -0.0, 1e308])
    if choice == 3:
        return "".join(chr(rng.randrange(0x10FFFF)) for _ in range(rng.randrange(12)))
    if choice == 4:
        return rng.choice(["tool_call", "message", "trusted", "alice", "", "\x00", "☃" * 50])
    if choice == 5:
        return "x" * rng.randrange(2000)
    if choice == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _mutated(rng: random.Random) -> bytes:
    body = dict(VALID)
    for _ in range(rng.randrange(1, 4)):
        action = rng.randrange(3)
        key = rng.choice(KEYS)
        if action == 0:
            body.pop(key, None)
        else:
            body[key] = _value(rng)
    raw = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if rng.random() < 0.3:  # byte-level damage: truncation, flips, junk
        cut = rng.randrange(len(raw) + 1)
        raw = raw[:cut] + bytes(rng.randrange(256) for _ in range(rng.randrange(4)))
    return raw


def test_mutated_bodies_never_cause_a_5xx(make_fleet: Callable[..., Fleet]) -> None:
    # A bucket that never runs dry: with the default one most requests got a 429, and
    # how many reached the pipeline depended on the machine's speed.
    fleet = make_fleet(rate=1e6, burst=1_000_000)
    rng = random.Random(SEED)
    headers = {**fleet.headers("alice"), "Content-Type": "application/json"}
    seen: dict[int, int] = {}
    for i in range(2000):
        body = _mutated(rng) if i % 5 else json.dumps(_value(rng)).encode()
        response = fleet.client.post("/v1/check", content=body, headers=headers)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, (body[:300], response.text)
        if response.status_code == 200:
            # whatever got through decoded as a signal of alice's, and was judged
            assert response.json()["action"] in (
                "allow",
                "flag",
                "excise",
                "hold",
                "block",
                "quarantine",
            )
        else:
            assert response.json()["error"]["message"]
    assert seen.get(200, 0) > 50, sorted(
        seen.items()
    )  # some mutations stay valid, so the pipeline ran
    assert seen.get(422, 0) > 100 and seen.get(400, 0) > 50
