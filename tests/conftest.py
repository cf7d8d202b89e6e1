"""Shared fixtures. ``IMMUNO_TEST_STORE=postgresql`` runs the store-backed tests on
PostgreSQL: see ``tests/backends.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from immuno import Config, Immune
from immuno.store import Store, open_store
from tests import backends

if backends.BACKEND not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"IMMUNO_TEST_STORE is sqlite or postgresql, not {backends.BACKEND!r}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: reads or edits the SQLite file itself")
    config.addinivalue_line("markers", "no_store: opens no store (one pass is enough)")


def pytest_report_header() -> str:
    return f"store backend: {backends.BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not backends.ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="works on the SQLite file itself (runs on the SQLite pass)")
    storeless = pytest.mark.skip(reason="opens no store (runs on the SQLite pass)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)
        elif "no_store" in item.keywords:
            item.add_marker(storeless)


@pytest.fixture(autouse=True)
def _drop_test_schemas() -> Iterator[None]:
    yield
    backends.current.drop()


@pytest.fixture
def store_location(tmp_path: Path) -> str:
    """Where this test's store lives: a SQLite file, or a fresh PostgreSQL schema."""
    return backends.location_of(tmp_path / "immuno.db")


@pytest.fixture
def store(store_location: str) -> Iterator[Store]:
    opened = open_store(store_location)
    yield opened
    opened.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The default configuration, with its store in a temporary directory (or schema)."""
    return Config(store=backends.store_config(tmp_path / "immuno.db"))


@pytest.fixture
def immune(config: Config) -> Iterator[Immune]:
    instance = Immune(config)
    yield instance
    instance.close()
