"""The Store protocol, on whichever backend this run uses (SQLite or PostgreSQL)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from immuno import StoreError
from immuno.core.config import StoreConfig
from immuno.core.errors import ConfigError
from immuno.store import SQLiteStore, Store, open_store, parse_location
from immuno.store.dialect import to_postgres
from immuno.store.location import redact
from immuno.store.sql import upsert
from tests.backends import ON_POSTGRES, location_of

STEP1 = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at REAL, raw BLOB);"
STEP2 = "ALTER TABLE notes ADD COLUMN tag TEXT; CREATE INDEX notes_tag ON notes (tag);"


def test_dialect_names_the_backend(store: Store) -> None:
    assert store.dialect == ("postgresql" if ON_POSTGRES else "sqlite")


def test_migrations_apply_once_and_survive_reopening(store: Store, store_location: str) -> None:
    assert store.migrate("notes", [STEP1]) == 1
    assert store.migrate("notes", [STEP1]) == 1  # idempotent
    assert store.migrate("notes", [STEP1, STEP2]) == 2
    with store.transaction() as cur:
        cur.execute("INSERT INTO notes (body, tag) VALUES (?, ?)", ("hello", "t"))
    again = open_store(store_location)
    try:
        assert again.query("SELECT body, tag FROM notes") == [("hello", "t")]
        assert again.query("SELECT version FROM immuno_schema WHERE component='notes'") == [(2,)]
    finally:
        again.close()


def test_a_store_newer_than_the_code_is_refused(store: Store) -> None:
    store.migrate("notes", [STEP1, STEP2])
    with pytest.raises(StoreError, match="newer than this immuno"):
        store.migrate("notes", [STEP1])


def test_a_failing_migration_leaves_nothing_half_done(store: Store) -> None:
    store.migrate("notes", [STEP1])
    broken = "ALTER TABLE notes ADD COLUMN tag TEXT; CREATE TABLE notes (x TEXT);"
    with pytest.raises(StoreError, match="migrating 'notes' failed"):
        store.migrate("notes", [STEP1, broken])
    with pytest.raises(StoreError):  # the first statement of the step was rolled back
        store.query("SELECT tag FROM notes")
    assert store.query("SELECT version FROM immuno_schema") == [(1,)]


def test_transaction_commits_or_rolls_back_whole(store: Store) -> None:
    store.migrate("notes", [STEP1])
    with pytest.raises(RuntimeError), store.transaction() as cur:
        cur.execute("INSERT INTO notes (body) VALUES ('lost')")
        raise RuntimeError("caller failed")
    # SQLite's cursor raises its own errors inside a transaction; PostgreSQL's, StoreError
    with pytest.raises((StoreError, sqlite3.Error)), store.transaction(lock="notes") as cur:
        cur.execute("INSERT INTO notes (body) VALUES ('lost too')")
        cur.execute("INSERT INTO notes (body) VALUES (NULL)")  # NOT NULL
    with store.transaction(lock="notes") as cur:
        cur.execute("INSERT INTO notes (body) VALUES ('kept')")
    assert store.query("SELECT body FROM notes") == [("kept",)]


def test_values_round_trip_with_their_python_types(store: Store) -> None:
    store.migrate("notes", [STEP1])
    big = 1_800_000_000_123  # epoch milliseconds overflow a 32-bit integer
    with store.transaction() as cur:
        (ident,) = cur.execute(
            "INSERT INTO notes (id, body, at, raw) VALUES (?, ?, ?, ?) RETURNING id",
            (big, "50% off? 'quoted'", 0.1, b"\x00\xffbytes"),
        ).fetchone()
    assert ident == big
    row = store.query("SELECT id, body, at, raw FROM notes WHERE body LIKE '50% off?%'")
    assert row == [(big, "50% off? 'quoted'", 0.1, b"\x00\xffbytes")]
    assert type(row[0][3]) is bytes


def test_a_key_is_assigned_when_none_is_given(store: Store) -> None:
    store.migrate("notes", [STEP1])
    with store.transaction() as cur:
        first = cur.execute("INSERT INTO notes (body) VALUES ('a') RETURNING id").fetchone()[0]
        second = cur.execute("INSERT INTO notes (body) VALUES ('b') RETURNING id").fetchone()[0]
    assert second > first


def test_upsert_overwrites_and_rowcount_counts(store: Store) -> None:
    store.migrate("notes", [STEP1])
    sql = upsert("notes", ("id", "body"), ("id",))
    with store.transaction() as cur:
        cur.executemany(sql, [(1, "one"), (2, "two"), (1, "uno")])
        ignored = cur.execute("INSERT INTO notes (id, body) VALUES (2, 'x') ON CONFLICT DO NOTHING")
        assert ignored.rowcount == 0
        assert cur.execute("DELETE FROM notes WHERE id > ?", (0,)).rowcount == 2
    with store.transaction() as cur:
        cur.executemany(sql, [])  # nothing to write is not an error


def test_iterate_streams_rows(store: Store) -> None:
    store.migrate("notes", [STEP1])
    with store.transaction() as cur:
        cur.executemany("INSERT INTO notes (body) VALUES (?)", [(str(i),) for i in range(1200)])
    rows = store.iterate("SELECT body FROM notes ORDER BY id")
    assert [row[0] for row in rows] == [str(i) for i in range(1200)]
    partial = store.iterate("SELECT body FROM notes ORDER BY id")
    assert next(partial) == ("0",)
    partial.close()  # abandoned half way: the connection goes back clean
    assert store.query("SELECT count(*) FROM notes") == [(1200,)]


def test_bad_sql_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.query("SELECT * FROM missing_table")
    with pytest.raises(StoreError, match="at least one"):
        store.migrate("empty", [])


def test_concurrent_migrators_apply_each_step_once(tmp_path: Path) -> None:
    location = location_of(tmp_path / "shared.db")
    stores = [open_store(location) for _ in range(4)]
    errors: list[BaseException] = []

    def run(store: Store) -> None:
        try:
            store.migrate("notes", [STEP1, STEP2])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert stores[0].query("SELECT version FROM immuno_schema") == [(2,)]
    finally:
        for store in stores:
            store.close()


def test_a_named_lock_serialises_writers(tmp_path: Path) -> None:
    location = location_of(tmp_path / "shared.db")
    setup = open_store(location)
    setup.migrate("notes", [STEP1])
    setup.close()

    def bump() -> None:  # read-modify-write: loses updates unless serialised
        store = open_store(location)
        try:
            for _ in range(20):
                with store.transaction(lock="notes") as cur:
                    row = cur.execute("SELECT max(id) FROM notes").fetchone()
                    cur.execute(
                        "INSERT INTO notes (id, body) VALUES (?, 'n')", ((row[0] or 0) + 1,)
                    )
        finally:
            store.close()

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = open_store(location)
    try:
        assert check.query("SELECT count(*), max(id) FROM notes") == [(60, 60)]
    finally:
        check.close()


# -- choosing and naming a backend (no server needed) ----------------------------------


def test_locations_name_their_backend(tmp_path: Path) -> None:
    assert parse_location("x/immuno.db") == ("sqlite", "x/immuno.db")
    assert parse_location(":memory:") == ("sqlite", ":memory:")
    assert parse_location("sqlite:///rel/immuno.db") == ("sqlite", "rel/immuno.db")
    assert parse_location("sqlite:////abs/immuno.db") == ("sqlite", "/abs/immuno.db")
    assert parse_location("sqlite://") == ("sqlite", ":memory:")
    url = "postgresql://u@127.0.0.1:5432/db"
    assert parse_location(url) == ("postgresql", url)
    assert parse_location("postgres://h/db")[0] == "postgresql"
    with pytest.raises(StoreError, match="unknown store scheme 'mysql'"):
        parse_location("mysql://u:secret@h/db")
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    assert isinstance(store, SQLiteStore) and store.location == f"{tmp_path}/s.db"
    store.close()


def test_config_url_wins_over_path_and_is_checked(tmp_path: Path) -> None:
    assert StoreConfig().location == ".immuno/immuno.db"
    pg = StoreConfig(path=str(tmp_path / "keys" / "x.db"), url="postgresql://u@h/db")
    assert pg.location == "postgresql://u@h/db" and pg.file is None
    assert pg.folder == tmp_path / "keys"  # local files still go beside path
    lite = StoreConfig(url=f"sqlite:///{tmp_path}/y.db")
    assert lite.file == tmp_path / "y.db" and lite.folder == tmp_path
    with pytest.raises(ConfigError, match=r"store\.url"):
        StoreConfig(url="redis://h/0")


def test_passwords_never_reach_messages() -> None:
    assert redact("postgresql://u:hunter2@h:5/db") == "postgresql://u:***@h:5/db"
    assert "hunter2" not in redact("postgresql://h/db?user=u&password=hunter2")
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"


def test_an_unreachable_server_is_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="cannot connect") as caught:
        open_store("postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=2")
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith("postgresql://u:***@127.0.0.1:1/db")


def test_the_layers_sql_as_postgresql_reads_it() -> None:
    assert to_postgres("SELECT a FROM t WHERE b = ? AND c LIKE 'x?%'") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE 'x?%%'"
    )
    assert to_postgres("SELECT 'it''s ?' , ?") == "SELECT 'it''s ?' , %s"
    ddl = to_postgres(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, r REAL, b BLOB,"
        " k TEXT, PRIMARY KEY (k)) WITHOUT ROWID"
    )
    assert ddl == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT,"
        " r DOUBLE PRECISION, b BYTEA, k TEXT, PRIMARY KEY (k))"
    )
    assert (
        to_postgres("INSERT INTO t (n) VALUES ('INTEGER')")
        == "INSERT INTO t (n) VALUES ('INTEGER')"
    )


def test_text_keeps_every_character(store: Store) -> None:
    store.migrate("notes", [STEP1])
    odd = ["a\x00b", "\x01", "\x01\x02", "\x00\x01\x00", "plain", "ünï ☃"]
    with store.transaction() as cur:
        cur.executemany("INSERT INTO notes (body) VALUES (?)", [(t,) for t in odd])
    assert [r[0] for r in store.query("SELECT body FROM notes ORDER BY id")] == odd
    assert store.query("SELECT count(*) FROM notes WHERE body = ?", ("a\x00b",)) == [(1,)]
    assert [r[0] for r in store.iterate("SELECT body FROM notes ORDER BY id")] == odd
