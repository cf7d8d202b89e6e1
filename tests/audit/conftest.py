from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from immuno.audit.log import AuditLog
from immuno.core.action import Action
from immuno.core.authority import Authority
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.store import Store, open_store


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def decision(i: int, *, content: str | None = None) -> tuple[Signal, Verdict]:
    signal = Signal(
        kind=SignalKind.TOOL_CALL,
        agent="payments",
        tool="bank.transfer",
        args={"amount": i, "to": "DE00-0000"},
        content=content if content is not None else f"pay invoice {i}",
        provenance=Provenance.INTERNAL,
        id=f"sig-{i}",
        at=1_800_000_000.0 + i,
    )
    finding = Finding(
        layer="detect",
        code="sig.test",
        severity=Severity.HIGH,
        score=0.9,
        message="a test finding",
        evidence=f"secret evidence {i}",
        action=Action.BLOCK,
    )
    verdict = Verdict(signal_id=signal.id, action=Action.BLOCK, score=0.9, findings=(finding,))
    return signal, verdict


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def authority() -> Authority:
    return Authority.generate()


@pytest.fixture
def db_path(tmp_path: Path, store_location: str) -> Path:
    """The SQLite file of this test's store (on PostgreSQL: a name nothing opens)."""
    return Path(store_location) if "://" not in store_location else tmp_path / "unused.db"


@pytest.fixture
def make_log(
    store_location: str, authority: Authority, clock: FakeClock
) -> Iterator[Callable[..., AuditLog]]:
    opened: list[Store] = []

    def make(**options: Any) -> AuditLog:
        store = open_store(store_location)
        opened.append(store)
        options.setdefault("clock", clock)
        return AuditLog(store, authority, **options)

    yield make
    for store in opened:
        store.close()


def fill(log: AuditLog, count: int, start: int = 0) -> list[int]:
    return log.seal_many([decision(i) for i in range(start, start + count)])
