"""WAL checkpoints run on a thread of their own, never inside a commit."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from immuno import Config, Immune, StoreError
from immuno.core.config import StoreConfig
from immuno.store import SQLiteStore, checkpoint


def _sizes(path: Path) -> tuple[int, int]:
    """(bytes in the database file, bytes in its WAL): what was copied back, and not."""
    return path.stat().st_size, Path(f"{path}-wal").stat().st_size


def test_every_connection_on_a_file_leaves_checkpoints_to_the_thread(tmp_path: Path) -> None:
    config = Config(store=StoreConfig(path=str(tmp_path / "immuno.db")))
    immune = Immune(config)
    try:
        assert immune.store.query("PRAGMA wal_autocheckpoint") == [(0,)]
        sealer = immune.sealer
        assert sealer is not None
        assert sealer.store is not immune.store  # the audit log has a connection of its own
        assert sealer.store.query("PRAGMA wal_autocheckpoint") == [(0,)]
    finally:
        immune.close()
    with SQLiteStore(":memory:") as memory:  # no WAL: nothing to hand over
        assert memory.query("PRAGMA wal_autocheckpoint") == [(1000,)]


def test_commits_on_any_store_of_a_file_wake_one_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "DEFAULT_EVERY", 10)
    path = tmp_path / "s.db"
    first, second = SQLiteStore(path), SQLiteStore(path)
    shared = first._checkpointer
    assert shared is not None and shared is second._checkpointer and shared.users == 2
    with first.transaction() as cur:
        cur.execute("CREATE TABLE notes (body TEXT)")
    for i in range(4):
        with first.transaction() as cur:
            cur.execute("INSERT INTO notes VALUES (?)", ("x" * 5000,))
        second.query("INSERT INTO notes VALUES (?)", (str(i),))  # a commit of its own
        second.query("SELECT count(*) FROM notes")  # a read is no commit
    assert shared.done == 0  # 9 commits so far
    with second.transaction() as cur:
        cur.execute("INSERT INTO notes VALUES ('tenth')")
    deadline = time.monotonic() + 10.0
    while shared.done == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert shared.done == 1 and shared.failures == 0
    database, _ = _sizes(path)
    assert database > 4 * 5000  # the thread copied the rows back into the file
    first.close()
    assert shared.users == 1 and not shared._stop
    second.close()
    assert shared._stop and shared._thread is not None and not shared._thread.is_alive()
    again = SQLiteStore(path)  # a new store on the file gets a new checkpointer
    assert again._checkpointer is not None and again._checkpointer is not shared
    again.close()


def test_without_the_thread_the_wal_keeps_what_commits_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The commits themselves never copy the WAL back, however large it grows.
    monkeypatch.setattr(checkpoint, "DEFAULT_EVERY", 10**9)
    path = tmp_path / "s.db"
    with SQLiteStore(path) as store:
        store.query("CREATE TABLE notes (body TEXT)")
        for _ in range(300):  # far past SQLite's own threshold of 1000 pages
            with store.transaction() as cur:
                cur.execute("INSERT INTO notes VALUES (?)", ("y" * 20_000,))
        database, wal = _sizes(path)
        assert database < 100_000  # nothing reached the database file yet
        assert wal > 300 * 20_000


def test_a_thread_of_another_process_is_not_counted_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a fork the parent's thread does not run in the child: the child starts its
    # own. (Forking here would copy SQLite's locks mid-use; the process id stands in.)
    monkeypatch.setattr(checkpoint, "DEFAULT_EVERY", 2)
    with SQLiteStore(tmp_path / "s.db") as store:
        store.query("CREATE TABLE notes (body TEXT)")
        store.query("INSERT INTO notes VALUES ('a')")
        store.query("INSERT INTO notes VALUES ('b')")
        shared = store._checkpointer
        assert shared is not None and shared._thread is not None
        first = shared._thread
        child = shared._pid + 1
        monkeypatch.setattr(checkpoint.os, "getpid", lambda: child)
        store.query("INSERT INTO notes VALUES ('c')")
        store.query("INSERT INTO notes VALUES ('d')")
        assert shared._thread is not first and shared._thread.is_alive()
        assert shared._pid == child


def test_a_closed_store_answers_with_a_store_error(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.close()
    with pytest.raises(StoreError, match="query failed"):
        store.query("SELECT 1")


def _frames(path: Path) -> int:
    """Frames in the log now (written since it last started over); asked again while
    the checkpoint thread's own checkpoint is under way (the answer is then -1)."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        for _ in range(500):
            frames = int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
            if frames >= 0:
                return frames
            time.sleep(0.01)
    raise AssertionError("the log's frames could not be counted")


def _notes(path: Path) -> tuple[SQLiteStore, checkpoint.Checkpointer]:
    """A store on ``path`` with a table of notes (one commit), and its checkpointer."""
    store = SQLiteStore(path)
    assert store._checkpointer is not None
    with store.transaction() as cur:
        cur.execute("CREATE TABLE notes (body TEXT)")
    return store, store._checkpointer


def _write(store: SQLiteStore, count: int) -> None:
    """``count`` commits of a 5 KB note each (two 4 KB pages and more)."""
    for i in range(count):
        with store.transaction() as cur:
            cur.execute("INSERT INTO notes VALUES (?)", (f"{i}" + "x" * 5000,))


def test_at_a_quiet_moment_the_log_starts_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "DEFAULT_EVERY", 20)
    path = tmp_path / "s.db"
    store, shared = _notes(path)
    _write(store, 19)  # with the table, 20 commits: one checkpoint, at the last
    deadline = time.monotonic() + 10.0
    while shared.restarted == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # no commit meanwhile: a quiet moment
    assert shared.restarted == 1 and shared.failures == 0
    with store.transaction() as cur:
        cur.execute("INSERT INTO notes VALUES ('after')")
    assert _frames(path) <= 4  # the write started the log over: 20 commits made 40+
    assert store.query("SELECT count(*) FROM notes") == [(20,)]
    store.close()


def test_under_steady_writes_the_log_starts_over_past_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writes never pause, so a PASSIVE checkpoint never finds the log fully copied at the
    # start of a write, and SQLite never starts the log over by itself.
    monkeypatch.setattr(checkpoint, "DEFAULT_EVERY", 20)
    monkeypatch.setattr(checkpoint, "RESTART_FRAMES", 200)
    path = tmp_path / "s.db"
    store, shared = _notes(path)
    assert shared.restart_frames == 200
    _write(store, 3000)
    assert shared.restarted > 0 and shared.failures == 0
    assert _frames(path) < 3000  # not the 6,000 and more written
    assert store.query("SELECT count(*) FROM notes") == [(3000,)]  # nothing lost
    store.close()


def test_a_reader_that_holds_on_is_not_waited_for_at_every_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "DEFAULT_EVERY", 20)
    monkeypatch.setattr(checkpoint, "RESTART_FRAMES", 600)
    monkeypatch.setattr(checkpoint, "_QUIET", 3600.0)  # forced restarts only, for now
    path = tmp_path / "s.db"
    store, shared = _notes(path)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM notes").fetchall()  # a snapshot, held
    _write(store, 19)
    deadline = time.monotonic() + 30.0
    for done in range(1, 31):  # 600 commits: each batch of 20 waits for its checkpoint
        while shared.done < done and time.monotonic() < deadline:
            time.sleep(0.005)
        if done < 30:
            _write(store, 20)
    assert shared.done == 30 and shared.restarted == 0  # the reader held the log
    frames = _frames(path)
    # forced at 600 frames, then only each time the log grew by 600 again, not at each
    # of the checkpoints (every 20 commits, about 60 frames) after the first 600
    rounds = frames // 600 + 1
    assert frames >= 1200 and shared.restart_tries <= rounds * checkpoint._FORCED_TRIES
    reader.execute("COMMIT")
    reader.close()
    monkeypatch.setattr(checkpoint, "_QUIET", 0.05)
    _write(store, 20)  # the next checkpoint, then a quiet moment: the log starts over
    while shared.restarted == 0 and time.monotonic() < deadline + 10.0:
        time.sleep(0.01)
    # (a forced try still under way when the reader let go may have done it first)
    assert shared.restarted >= 1 and shared.failures == 0
    store.close()
