"""Hand edits of the SQLite file are caught by ``verify``, which names the first bad entry."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from immuno.audit import AuditError, AuditLog, TamperError, verify_store
from immuno.audit.forensics import verify_file
from immuno.audit.merkle import CompactRange, leaf_hash
from immuno.core.authority import Authority
from immuno.store import SQLiteStore
from tests.audit.conftest import decision

MakeLog = Callable[..., AuditLog]
pytestmark = pytest.mark.sqlite_only  # edits the file with SQLite's own SQL
SIZE = 20


@pytest.fixture
def sealed(make_log: MakeLog, db_path: Path) -> Iterator[sqlite3.Connection]:
    """A 20-entry log with signed heads at 5, 10, 15, 20, then a raw connection to it."""
    log = make_log(head_every=5)
    for i in range(SIZE):
        log.seal(*decision(i))
    log.store.close()
    raw = sqlite3.connect(db_path, isolation_level=None)
    yield raw
    raw.close()


def _verify(db_path: Path, authority: Authority) -> None:
    verify_file(str(db_path), authority.public_bytes)


def _first_bad(db_path: Path, authority: Authority) -> TamperError:
    with pytest.raises(TamperError) as caught:
        _verify(db_path, authority)
    return caught.value


def test_an_untouched_log_verifies(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    with SQLiteStore(db_path) as store:
        report = verify_store(store, authority.public_bytes)
    assert (report.size, report.signed_size, report.heads) == (SIZE, SIZE, 4)


def test_editing_an_entry(sealed: sqlite3.Connection, db_path: Path, authority: Authority) -> None:
    sealed.execute(
        "UPDATE audit_entries SET entry = CAST(replace(CAST(entry AS TEXT), "
        "'\"block\"', '\"allow\"') AS BLOB) WHERE seq = 7"
    )
    error = _first_bad(db_path, authority)
    assert error.seq == 7 and "leaf hash" in str(error)


def test_editing_an_entry_and_recomputing_every_hash(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    # A careful forger rewrites the entry and every stored hash after it: only the
    # signed tree heads still remember, so the error names the first unvouched entry.
    rows = sealed.execute("SELECT seq, entry FROM audit_entries ORDER BY seq").fetchall()
    tree = CompactRange()
    sealed.execute("BEGIN")
    for seq, entry in rows:
        if seq == 7:
            entry = bytes(entry).replace(b'"block"', b'"allow"')
        leaf = leaf_hash(bytes(entry))
        hashes = leaf + b"".join(tree.append(leaf))
        sealed.execute(
            "UPDATE audit_entries SET entry = ?, hashes = ? WHERE seq = ?", (entry, hashes, seq)
        )
    sealed.execute("COMMIT")
    error = _first_bad(db_path, authority)
    assert error.seq == 5 and "entries 5..9" in str(error)


def test_deleting_an_entry(sealed: sqlite3.Connection, db_path: Path, authority: Authority) -> None:
    sealed.execute("DELETE FROM audit_entries WHERE seq = 12")
    error = _first_bad(db_path, authority)
    assert error.seq == 12 and "found entry 13" in str(error)


def test_deleting_the_newest_entries(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute("DELETE FROM audit_entries WHERE seq >= 17")
    error = _first_bad(db_path, authority)
    assert error.seq == 17 and "missing" in str(error)


def test_inserting_an_entry(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute("BEGIN")
    sealed.execute("UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 8")
    sealed.execute("UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1000")
    sealed.execute(
        "INSERT INTO audit_entries (seq, entry, hashes) "
        "SELECT 8, entry, hashes FROM audit_entries WHERE seq = 3"
    )
    sealed.execute("COMMIT")
    error = _first_bad(db_path, authority)
    assert error.seq == 8 and "sequence number" in str(error)


def test_reordering_entries(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute("BEGIN")
    sealed.execute("UPDATE audit_entries SET seq = -1 WHERE seq = 3")
    sealed.execute("UPDATE audit_entries SET seq = 3 WHERE seq = 4")
    sealed.execute("UPDATE audit_entries SET seq = 4 WHERE seq = -1")
    sealed.execute("COMMIT")
    assert _first_bad(db_path, authority).seq == 3


def test_editing_a_stored_node_hash(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute(
        "UPDATE audit_entries SET hashes = CAST(substr(hashes, 1, 32) || zeroblob(32) AS BLOB) "
        "WHERE seq = 11"
    )
    error = _first_bad(db_path, authority)
    assert error.seq == 11 and "node hashes" in str(error)


def test_forging_a_tree_head(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute("UPDATE audit_heads SET root = zeroblob(32) WHERE size = 15")
    error = _first_bad(db_path, authority)
    assert error.seq == 14 and "signature" in str(error)


def test_a_head_signed_by_another_key(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    with pytest.raises(TamperError, match="not the expected"), SQLiteStore(db_path) as store:
        verify_store(store, Authority.generate().public_bytes)


def test_truncating_the_file(make_log: MakeLog, db_path: Path, authority: Authority) -> None:
    log = make_log(head_every=100)
    log.seal_many([decision(i, content="x" * 2000) for i in range(300)])
    log.store.query("PRAGMA wal_checkpoint(TRUNCATE)")
    log.store.close()
    full = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        handle.truncate(full // 2)
    error = _first_bad(db_path, authority)
    assert error.seq is not None and 0 < error.seq < 300
    assert "truncated" in str(error)
    # everything before the named entry is still there and still verifies
    assert f"entry {error.seq}:" in str(error)


def test_a_text_value_hand_written_into_a_blob_column(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute("UPDATE audit_entries SET entry = 'hello' WHERE seq = 2")
    assert _first_bad(db_path, authority).seq == 2


def test_dropping_the_log_table(
    sealed: sqlite3.Connection, db_path: Path, authority: Authority
) -> None:
    sealed.execute("DROP TABLE audit_entries")
    assert _first_bad(db_path, authority).seq == 0


def test_a_store_that_never_held_a_log_is_not_called_tampered(
    tmp_path: Path, authority: Authority
) -> None:
    store = SQLiteStore(tmp_path / "empty.db")
    with pytest.raises(AuditError, match="no audit log") as caught:
        verify_store(store, authority.public_bytes)
    store.close()
    assert not isinstance(caught.value, TamperError)
