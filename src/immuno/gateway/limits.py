"""Limits on what one caller may ask: a per-agent token bucket and a body size cap.

:class:`RateLimiter` is the seam: ``take(key, cost)`` spends ``cost`` tokens of
``key``'s bucket and says whether it could, and if not how long to wait. The
in-process :class:`TokenBuckets` keeps one bucket per key in this worker's memory, so
with N workers an agent may get up to N times the rate; :class:`SharedBuckets` keeps
them in Redis (``store.redis``), one allowance for every worker and replica.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from starlette.requests import Request

from immuno.gateway.replies import HTTPError

if TYPE_CHECKING:
    from immuno.store.shared import SharedState

DEFAULT_MAX_KEYS = 100_000


@dataclass(frozen=True)
class Grant:
    """Whether tokens were taken; when not, seconds until they would be."""

    allowed: bool
    retry_after: float = 0.0

    def __bool__(self) -> bool:
        return self.allowed


class RateLimiter(Protocol):
    def take(self, key: str, cost: float = 1.0) -> Grant:
        """Spend ``cost`` tokens of ``key``'s bucket if it holds them (atomically)."""
        ...


class TokenBuckets:
    """Token buckets in memory: ``rate`` tokens a second, at most ``burst`` saved up.

    At most ``max_keys`` buckets are kept; the least recently used is dropped first
    (its key starts again with a full bucket, which only ever errs towards the rate
    it was configured with, never beyond ``burst``).
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        if rate <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("a token bucket needs rate > 0, burst >= 1 and max_keys >= 1")
        self.rate, self.burst, self.clock, self.max_keys = rate, float(burst), clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> Grant:
        cost = min(max(cost, 0.0), self.burst)  # a cost above the burst could never pass
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            granted = tokens >= cost
            if granted:
                tokens -= cost
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        if granted:
            return Grant(True)
        return Grant(False, (cost - tokens) / self.rate)


class SharedBuckets:
    """The same token buckets, kept in Redis and refilled on Redis's clock."""

    def __init__(self, shared: SharedState, rate: float, burst: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.shared, self.rate, self.burst = shared, rate, float(burst)

    def take(self, key: str, cost: float = 1.0) -> Grant:
        cost = min(max(cost, 0.0), self.burst)
        wait = self.shared.spend(f"bucket:{key}", self.rate, self.burst, cost)
        return Grant(True) if wait == 0.0 else Grant(False, wait)


def too_many(grant: Grant) -> HTTPError:
    wait = max(1, math.ceil(grant.retry_after))
    return HTTPError(
        429,
        "rate_limited",
        f"too many requests; retry in {wait}s",
        headers={"Retry-After": str(wait)},
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to exceed ``limit``:
    from Content-Length before reading, else while the chunks arrive."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise HTTPError(400, "malformed", "Content-Length is not a number") from None
        if size > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPError:
    return HTTPError(413, "too_large", f"the body exceeds {limit} bytes")
