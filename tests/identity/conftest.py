from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from immuno.identity import Registry, StoreReplayCache
from immuno.store import SQLiteStore

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
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "immuno.db") as opened:
        yield opened


@pytest.fixture
def registry(store: SQLiteStore, clock: FakeClock) -> Registry:
    return Registry(store, clock, passphrase=b"correct horse")


@pytest.fixture
def replay(store: SQLiteStore) -> StoreReplayCache:
    return StoreReplayCache(store)
