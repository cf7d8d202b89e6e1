"""What a lookup finds does not depend on when the work behind it was done: the words
of a flagged part found on first use, a look that skips the store when it holds
nothing new."""

from __future__ import annotations

from pathlib import Path

from policy_fixtures import FakeClock

from immuno.policy.flow import Part, TraceReads, read_parts
from immuno.policy.sessions import SessionReads
from immuno.policy.spec import Source
from immuno.store import SQLiteStore


def _trusted(text: str) -> tuple[Part, ...]:
    return (Part(Source.TRUSTED, text, frozenset(text.split())),)


def test_the_words_of_a_flagged_read_are_found_when_asked_and_forgotten_with_it() -> None:
    reads = TraceReads(limit=2)
    reads.add("Pay 1,200 to account CC33 DDDD 4444 now.", Source.ANY)
    assert reads.contains("CC33DDDD4444", Source.ANY)  # groups joined, as in any part
    assert reads.contains("1200", Source.ANY)
    reads.add("account EE55FFFF666", Source.ANY)  # not looked up yet when the first goes
    reads.add("account GG77HHHH888", Source.CLEAN)
    assert not reads.contains("CC33DDDD4444", Source.ANY)  # forgotten with its read
    assert reads.contains("EE55FFFF666", Source.ANY)
    assert not reads.contains("EE55FFFF666", Source.CLEAN)
    assert reads.contains("GG77HHHH888", Source.ANY)


def test_a_flagged_part_says_the_same_after_the_store(tmp_path: Path) -> None:
    clock = FakeClock()
    store = SQLiteStore(tmp_path / "s.db")
    book = SessionReads(lambda: store, clock, ttl=100, items=5, cached=10)
    parts = read_parts("<p>Remit to <b>KK12 3456 7890</b> today.</p>", Source.CLEAN)
    assert book.file("agent", "s", parts)
    here = TraceReads(limit=5)
    here.file(parts)
    there = SessionReads(lambda: store, clock, ttl=100, items=5, cached=10).get("agent", "s")
    assert there is not None
    for value in ("KK1234567890", "remit", "<b>kk12", "today"):
        for level in Source:
            assert there.contains(value, level) == here.contains(value, level), (value, level)
    store.close()


def test_a_look_with_nothing_new_in_the_store_still_sees_each_change(tmp_path: Path) -> None:
    clock = FakeClock()
    first = SQLiteStore(tmp_path / "s.db")
    second = SQLiteStore(tmp_path / "s.db")  # another connection: another worker
    here = SessionReads(lambda: first, clock, ttl=100, items=5, cached=10)
    there = SessionReads(lambda: second, clock, ttl=100, items=5, cached=10)
    here.file("agent", "s", _trusted("value-1"))
    reads = here.get("agent", "s")
    assert reads is not None and reads is here.get("agent", "s")
    there.file("agent", "s", _trusted("value-2"))
    reads = here.get("agent", "s")
    assert reads is not None and reads.has("value-2", Source.TRUSTED)
    here.file("agent", "s", _trusted("value-3"))  # its own write, on its own connection
    reads = here.get("agent", "s")
    assert reads is not None and reads.has("value-3", Source.TRUSTED)
    there.end("s")
    assert here.lookup("agent", "s").ended
    first.close()
    second.close()


def test_a_quiet_session_ends_without_a_write(tmp_path: Path) -> None:
    clock = FakeClock()
    store = SQLiteStore(tmp_path / "s.db")
    book = SessionReads(lambda: store, clock, ttl=100, items=5, cached=10)
    book.file("agent", "s", _trusted("value-1"))
    assert book.get("agent", "s") is not None
    assert book.get("agent", "s") is not None  # a look with nothing new
    clock.now += 101  # quiet for longer than the ttl
    assert book.lookup("agent", "s").ended
    store.close()
