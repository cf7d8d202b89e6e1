from __future__ import annotations

import pytest

from immuno.identity import Registry, StoreReplayCache
from immuno.store import Store

T0 = 1_800_000_000.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry(store: Store, clock: FakeClock) -> Registry:
    return Registry(store, clock, passphrase=b"correct horse")


@pytest.fixture
def replay(store: Store) -> StoreReplayCache:
    return StoreReplayCache(store)
