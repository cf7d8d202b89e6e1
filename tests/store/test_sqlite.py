from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from immuno import StoreError
from immuno.store import SQLiteStore

STEP1 = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
STEP2 = "ALTER TABLE notes ADD COLUMN tag TEXT; CREATE INDEX notes_tag ON notes (tag);"


def test_wal_mode_and_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "s.db"
    with SQLiteStore(path) as store:
        assert store.query("PRAGMA journal_mode") == [("wal",)]
        assert store.migrate("notes", [STEP1]) == 1
        assert store.migrate("notes", [STEP1]) == 1  # idempotent
        assert store.migrate("notes", [STEP1, STEP2]) == 2
        with store.transaction() as cur:
            cur.execute("INSERT INTO notes (body, tag) VALUES (?, ?)", ("hello", "t"))
    with SQLiteStore(path) as again:  # survives reopening
        assert again.query("SELECT body, tag FROM notes") == [("hello", "t")]
        assert again.query("SELECT version FROM immuno_schema WHERE component='notes'") == [(2,)]


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        store.migrate("notes", [STEP1, STEP2])
        with pytest.raises(StoreError, match="newer than this immuno"):
            store.migrate("notes", [STEP1])


def test_a_failing_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        store.migrate("notes", [STEP1])
        broken = "ALTER TABLE notes ADD COLUMN tag TEXT; CREATE TABLE notes (x);"
        with pytest.raises(StoreError, match="migrating 'notes' failed"):
            store.migrate("notes", [STEP1, broken])
        columns = [row[1] for row in store.query("PRAGMA table_info(notes)")]
        assert columns == ["id", "body"]  # the first statement of the step was rolled back
        assert store.query("SELECT version FROM immuno_schema") == [(1,)]


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        store.migrate("notes", [STEP1])
        with pytest.raises(RuntimeError), store.transaction() as cur:
            cur.execute("INSERT INTO notes (body) VALUES ('lost')")
            raise RuntimeError("caller failed")
        assert store.query("SELECT count(*) FROM notes") == [(0,)]


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        SQLiteStore(path)


def test_bad_sql_is_a_store_error(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        with pytest.raises(StoreError, match="query failed"):
            store.query("SELECT * FROM missing_table")
        with pytest.raises(StoreError, match="at least one"):
            store.migrate("empty", [])


def test_iterate_streams_rows(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        store.migrate("notes", [STEP1])
        with store.transaction() as cur:
            cur.executemany("INSERT INTO notes (body) VALUES (?)", [(str(i),) for i in range(50)])
        assert [row[0] for row in store.iterate("SELECT body FROM notes ORDER BY id")] == [
            str(i) for i in range(50)
        ]


def test_written_rows_are_visible_to_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SQLiteStore(path) as store:
        store.migrate("notes", [STEP1])
        with store.transaction() as cur:
            cur.execute("INSERT INTO notes (body) VALUES ('seen')")
        other = sqlite3.connect(path)
        assert other.execute("SELECT body FROM notes").fetchall() == [("seen",)]
        other.close()
