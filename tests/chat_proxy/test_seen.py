"""The record of what was decided per session is bounded in sessions, messages and time."""

from __future__ import annotations

import pytest

from immuno.chat_proxy.seen import KEEP, Decision, SeenBook


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sessions_messages_and_quiet_time_are_bounded() -> None:
    clock = Clock()
    book = SeenBook(ttl=60.0, sessions=2, messages=3, clock=clock)
    withheld = Decision("replace", "[withheld]")
    book.decide("a", "m1", withheld)
    for digest in ("m2", "m3", "m4"):
        book.decide("a", digest, KEEP)
    assert book.decided("a", "m1") is None  # the oldest of four forgotten: judged again
    assert book.decided("a", "m4") == KEEP
    book.decide("b", "m1", KEEP)
    book.decide("c", "m1", KEEP)  # a third session: the least recently used goes
    assert len(book) == 2
    assert book.decided("a", "m4") is None
    clock.now += 61.0  # quiet for longer than the store keeps a session
    assert book.decided("c", "m1") is None


def test_held_calls_are_remembered_until_settled() -> None:
    book = SeenBook(ttl=60.0)
    book.hold("s", '["shell.run",{"command":"df"}]', "approval-1")
    assert book.approval("s", '["shell.run",{"command":"df"}]') == "approval-1"
    assert book.approval("other", '["shell.run",{"command":"df"}]') is None
    book.settle("s", '["shell.run",{"command":"df"}]')
    assert book.approval("s", '["shell.run",{"command":"df"}]') is None


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="ttl > 0"):
        SeenBook(ttl=0.0)
