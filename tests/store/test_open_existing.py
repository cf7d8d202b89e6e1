"""``open_store(..., create=False)``: an existing store opens; a missing one is
:class:`NoStore` and nothing is created (neither the file nor its folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from immuno.store import NoStore, open_store
from tests.backends import ON_POSTGRES


def test_a_missing_store_is_not_created(store_location: str, tmp_path: Path) -> None:
    with pytest.raises(NoStore) as caught:
        open_store(store_location, create=False)
    assert "no store yet at" in str(caught.value)
    if not ON_POSTGRES:
        assert not Path(store_location).exists()


def test_a_missing_folder_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "immuno.db"
    with pytest.raises(NoStore) as caught:
        open_store(str(target), create=False)
    assert str(target) in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_store_opens_and_keeps_its_data(store_location: str) -> None:
    made = open_store(store_location)
    made.migrate("probe", ["CREATE TABLE probe (x INTEGER)"])
    with made.transaction() as cur:
        cur.execute("INSERT INTO probe (x) VALUES (7)")
    made.close()
    again = open_store(store_location, create=False)
    assert again.query("SELECT x FROM probe") == [(7,)]
    again.close()


def test_memory_is_never_an_existing_store() -> None:
    with pytest.raises(NoStore):
        open_store(":memory:", create=False)
