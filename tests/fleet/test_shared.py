"""Fleet state in a real Redis: once, rate windows, token buckets, events, and the
layers that use them across replicas."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import msgspec
import pytest
import redis

from immuno import Config, Immune
from immuno.core.config import IdentityConfig, PolicyConfig, StoreConfig
from immuno.core.errors import ConfigError, StoreError
from immuno.core.signal import Signal, SignalKind
from immuno.gateway.limits import SharedBuckets
from immuno.identity.errors import EnvelopeRejected
from immuno.identity.replay import SharedReplayCache
from immuno.store.shared import Event, SharedState, redacted
from tests.backends import store_config

RATED = """\
agents:
  payments:
    tools: [bank.lookup]
tools:
  bank.lookup:
    rate: {calls: 2, per: 60}
    args:
      iban: {type: string}
"""


def test_once_is_atomic_across_replicas_and_expires(redis_url: str) -> None:
    a, b = SharedState(redis_url), SharedState(redis_url)
    try:
        assert a.once("k", 0.2) and not b.once("k", 0.2) and not a.once("k", 0.2)
        time.sleep(0.3)
        assert b.once("k", 0.2)  # expired: the envelope it guarded is invalid by now
    finally:
        a.close()
        b.close()


def test_a_rate_window_is_one_window_for_every_replica(redis_url: str) -> None:
    a, b = SharedState(redis_url), SharedState(redis_url)
    try:
        assert [a.take("w", 3, 60.0), b.take("w", 3, 60.0), a.take("w", 3, 60.0)] == [True] * 3
        assert not b.take("w", 3, 60.0) and not a.take("w", 3, 60.0)
        assert a.take("other", 3, 60.0)  # keys do not share
        assert a.take("short", 1, 0.1) and not a.take("short", 1, 0.1)
        time.sleep(0.2)
        assert a.take("short", 1, 0.1)  # the window slid on
    finally:
        a.close()
        b.close()


def test_token_buckets_are_shared_and_say_how_long_to_wait(redis_url: str) -> None:
    shared = SharedState(redis_url)
    other = SharedState(redis_url)
    try:
        one, two = SharedBuckets(shared, rate=1.0, burst=2), SharedBuckets(other, 1.0, 2)
        assert one.take("agent") and two.take("agent")
        refused = one.take("agent")
        assert not refused and 0.5 < refused.retry_after <= 1.0
        assert two.take("someone-else")
    finally:
        shared.close()
        other.close()


def test_replay_cache_refuses_a_nonce_another_replica_accepted(redis_url: str) -> None:
    a, b = SharedState(redis_url), SharedState(redis_url)
    try:
        now = time.time()
        SharedReplayCache(a).remember("alice", "n1", now + 30, now)
        with pytest.raises(EnvelopeRejected, match="already accepted"):
            SharedReplayCache(b).remember("alice", "n1", now + 30, now)
        SharedReplayCache(b).remember("bob", "n1", now + 30, now)  # per sender
    finally:
        a.close()
        b.close()


def test_events_reach_other_replicas_not_the_sender(redis_url: str) -> None:
    a, b = SharedState(redis_url), SharedState(redis_url)
    got_a: list[Event] = []
    got_b: list[Event] = []
    arrived = threading.Event()
    try:
        la = a.listen("test", got_a.append, lambda: None)

        def on_b(event: Event) -> None:
            got_b.append(event)
            arrived.set()

        lb = b.listen("test", on_b, lambda: None)
        assert la.ready.wait(5) and lb.ready.wait(5)
        a.publish("test", {"n": 1})
        assert arrived.wait(5)
        time.sleep(0.1)
        assert [e["n"] for e in got_b] == [1] and got_a == []
    finally:
        a.close()
        b.close()


def test_a_lost_subscription_reports_a_gap_and_resubscribes(redis_url: str) -> None:
    shared = SharedState(redis_url)
    gaps = threading.Event()
    got: list[Event] = []
    try:
        listener = shared.listen("test", got.append, gaps.set)
        assert listener.ready.wait(5)
        admin = redis.Redis.from_url(redis_url)
        admin.client_kill_filter(_type="pubsub")
        assert gaps.wait(5)  # events may have been missed: the engine reads the store
        assert listener.ready.wait(5)
        for _ in range(50):  # resubscribed: a new event arrives (bounded wait)
            admin.publish("immuno:test", '{"origin": "elsewhere", "n": 2}')
            if got:
                break
            time.sleep(0.1)
        admin.close()
        assert got and got[0]["n"] == 2
    finally:
        shared.close()


def test_policy_rate_caps_count_calls_on_every_replica(tmp_path: Path, redis_url: str) -> None:
    manifest = tmp_path / "agents.yaml"
    manifest.write_text(RATED)
    config = Config(
        store=msgspec.structs.replace(store_config(tmp_path / "immuno.db"), redis=redis_url),
        policy=PolicyConfig(manifests=[str(manifest)]),
    )
    a, b = Immune(config), Immune(config)
    call = Signal(
        kind=SignalKind.TOOL_CALL, agent="payments", tool="bank.lookup", args={"iban": "x"}
    )
    try:
        assert not a.check(call).action.stops and not b.check(call).action.stops
        assert b.check(call).codes == ["policy.rate_limited"]
        assert a.check(call).codes == ["policy.rate_limited"]
    finally:
        a.close()
        b.close()


def test_an_unreachable_redis_fails_closed(tmp_path: Path) -> None:
    manifest = tmp_path / "agents.yaml"
    manifest.write_text(RATED)
    url = "redis://:hunter2@127.0.0.1:1/0"  # nothing listens on port 1
    config = Config(
        store=msgspec.structs.replace(store_config(tmp_path / "immuno.db"), redis=url),
        policy=PolicyConfig(manifests=[str(manifest)]),
    )
    immune = Immune(config)
    try:
        verdict = immune.check(
            Signal(kind=SignalKind.TOOL_CALL, agent="payments", tool="bank.lookup", args={})
        )
        assert verdict.action.stops and "layer.error" in verdict.codes
        assert "hunter2" not in str(verdict.findings)
    finally:
        immune.close()
    with pytest.raises(StoreError, match=r"redis://:\*\*\*@127\.0\.0\.1:1/0: ping failed"):
        SharedState(url, timeout=0.2).ping()


def test_settings_name_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match=r"store\.redis"):
        StoreConfig(redis="http://127.0.0.1:6379")
    with pytest.raises(ConfigError, match=r"needs store\.redis"):
        Config(identity=IdentityConfig(replay_cache="redis"))
    assert redacted("redis://u:secret@h:1/0") == "redis://u:***@h:1/0"
    assert redacted("redis://h:1/0") == "redis://h:1/0"
