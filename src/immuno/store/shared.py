"""Fleet state in Redis: what replicas must agree on within milliseconds.

* ``publish`` / ``listen``: small JSON events (health-ladder changes, lockdown), so a
  quarantine decided on one replica is enforced on every other one at once.
* ``once``: remember a key for a while, atomically (a replay cache across replicas).
* ``take``: a sliding-window rate cap, and ``spend``: a token bucket, both counted on
  Redis's own clock, so every replica (and every caller) draws on the same allowance,
  whatever its own clock says.

The store (SQLite or PostgreSQL) stays the record; Redis makes agreement fast. A
replica that misses events (Redis restarted, the connection dropped) is told so and
reads the store again.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from immuno.core.errors import StoreError

log = logging.getLogger(__name__)
Event = dict[str, Any]

# Prune the window, then count and take a slot only if one is free: atomic in Redis.
# Times come from Redis (TIME), never from the caller.
_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], t, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) / 1000) + 1000)
return 1
"""

# A token bucket: refill by elapsed time, spend if enough is saved. Returns
# {1, "0"} or {0, seconds to wait} (as a string: Lua numbers come back truncated).
_SPEND = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or burst
local at = tonumber(saved[2]) or t
tokens = math.min(burst, tokens + math.max(0, t - at) * rate)
local granted = 0
if tokens >= cost then
  tokens = tokens - cost
  granted = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(t))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if granted == 1 then
  return {1, '0'}
end
return {0, tostring((cost - tokens) / rate)}
"""


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class SharedState:
    """One Redis server (``redis://host:port/db``) shared by every replica."""

    def __init__(self, url: str, *, prefix: str = "immuno:", timeout: float = 1.0) -> None:
        self.url = url
        self.prefix = prefix
        self.replica = uuid.uuid4().hex  # events this process sent come back: skip them
        try:
            self._client = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        except (ValueError, redis.RedisError) as exc:
            raise StoreError(f"{redacted(url)}: not a usable Redis URL ({exc})") from None
        self._take = self._client.register_script(_TAKE)
        self._spend = self._client.register_script(_SPEND)
        self._listeners: list[Listener] = []

    def _error(self, doing: str, exc: Exception) -> StoreError:
        return StoreError(f"{redacted(self.url)}: {doing} failed: {exc}")

    def ping(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise self._error("ping", exc) from None

    def publish(self, channel: str, event: Event) -> None:
        body = json.dumps({**event, "origin": self.replica}, separators=(",", ":"))
        try:
            self._client.publish(self.prefix + channel, body)
        except redis.RedisError as exc:
            raise self._error(f"publishing on {channel}", exc) from None

    def listen(
        self, channel: str, on_event: Callable[[Event], None], on_gap: Callable[[], None]
    ) -> Listener:
        """Call ``on_event`` for every event other replicas publish on ``channel`` (on a
        thread of its own); ``on_gap`` whenever events may have been missed."""
        listener = Listener(self, self.prefix + channel, on_event, on_gap)
        self._listeners.append(listener)
        listener.start()
        return listener

    def once(self, key: str, ttl: float) -> bool:
        """True the first time ``key`` is seen within ``ttl`` seconds, on any replica."""
        try:
            done = self._client.set(self.prefix + key, b"1", nx=True, px=max(1, int(ttl * 1000)))
        except redis.RedisError as exc:
            raise self._error("remembering a key", exc) from None
        return bool(done)

    def take(self, key: str, calls: int, per: float) -> bool:
        """Take one of ``calls`` slots of a ``per``-second window; False when all are in use."""
        try:
            taken = self._take(
                keys=[self.prefix + key], args=[calls, int(per * 1_000_000), uuid.uuid4().hex]
            )
        except redis.RedisError as exc:
            raise self._error("taking a rate slot", exc) from None
        return bool(taken)

    def spend(self, key: str, rate: float, burst: float, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens of a bucket refilled at ``rate`` a second up to ``burst``.
        Returns 0.0 when spent, else the seconds until ``cost`` tokens are saved up."""
        try:
            granted, wait = self._spend(keys=[self.prefix + key], args=[rate, burst, cost])
        except redis.RedisError as exc:
            raise self._error("spending rate tokens", exc) from None
        return 0.0 if int(granted) else max(float(wait), 1e-3)

    def close(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners.clear()
        self._client.close()


class Listener:
    """A subscription on a thread: reconnects with backoff, reports gaps, stops on ask."""

    POLL = 0.2  # seconds between checks of the stop flag
    BACKOFF = (0.05, 2.0)  # first and longest wait before reconnecting

    def __init__(
        self,
        shared: SharedState,
        channel: str,
        on_event: Callable[[Event], None],
        on_gap: Callable[[], None],
    ) -> None:
        self.shared = shared
        self.channel = channel
        self.on_event = on_event
        self.on_gap = on_gap
        self.ready = threading.Event()  # set once subscribed (tests and warm-up wait on it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="immuno-fleet", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        wait = self.BACKOFF[0]
        while not self._stop.is_set():
            try:
                pubsub = self.shared._client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self.ready.set()
                wait = self.BACKOFF[0]
                self._pump(pubsub)
                pubsub.close()
            except redis.RedisError as exc:
                log.warning("%s: subscription lost (%s); retrying", redacted(self.shared.url), exc)
                self.ready.clear()
                self.on_gap()
                self._stop.wait(wait)
                wait = min(wait * 2, self.BACKOFF[1])

    def _pump(self, pubsub: Any) -> None:
        while not self._stop.is_set():
            message = pubsub.get_message(timeout=self.POLL)
            if message is None or message.get("type") != "message":
                continue
            try:
                event = json.loads(message["data"])
            except (TypeError, ValueError):
                log.warning("ignoring a malformed fleet event on %s", self.channel)
                continue
            if not isinstance(event, dict) or event.get("origin") == self.shared.replica:
                continue
            try:
                self.on_event(event)
            except Exception:  # one bad event must not end the subscription
                log.exception("applying a fleet event failed")
                self.on_gap()
