"""Which store backend the tests run on, and where each test's stores live.

``IMMUNO_TEST_STORE=postgresql`` puts every store a test opens through
:func:`location_of` into a PostgreSQL schema of its own (one per path the test
names), dropped when the test ends. The server is ``IMMUNO_TEST_POSTGRES_URL``, or
the one ``scripts/services.sh start`` wrote to ``.services/env``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from immuno.core.config import StoreConfig

ROOT = Path(__file__).resolve().parent.parent
SERVICES_ENV = ROOT / ".services" / "env"
BACKEND = os.environ.get("IMMUNO_TEST_STORE", "sqlite")
ON_POSTGRES = BACKEND == "postgresql"


def service(name: str) -> str | None:
    """A server URL from the environment, else from the services script's file."""
    if os.environ.get(name):
        return os.environ[name]
    if SERVICES_ENV.exists():
        for line in SERVICES_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == name and value.strip():
                return value.strip()
    return None


def postgres_url() -> str:
    url = service("IMMUNO_TEST_POSTGRES_URL")
    if url is None:
        # In CI (or once the services script ran) a missing server is a failure.
        if os.environ.get("CI") or SERVICES_ENV.parent.exists():
            pytest.fail("IMMUNO_TEST_POSTGRES_URL is not set: run scripts/services.sh start")
        pytest.skip("no PostgreSQL server: run scripts/services.sh start to test on it")
    return url


class Schemas:
    """One test's PostgreSQL schemas, made on first use and dropped at its end."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}

    def url(self, key: str) -> str:
        if key not in self.urls:
            import psycopg

            base = postgres_url()
            schema = f"test_{uuid.uuid4().hex[:16]}"
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f"CREATE SCHEMA {schema}")
            joiner = "&" if "?" in base else "?"
            self.urls[key] = f"{base}{joiner}options={quote(f'-c search_path={schema}')}"
        return self.urls[key]

    def drop(self) -> None:
        if not self.urls:
            return
        import psycopg

        with psycopg.connect(postgres_url(), autocommit=True) as admin:
            for url in self.urls.values():
                schema = url.rsplit("%3D", 1)[1]
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self.urls.clear()


current = Schemas()


def location_of(path: Path | str) -> str:
    """The store this test calls ``path``: that SQLite file, or its PostgreSQL schema."""
    if not ON_POSTGRES or str(path) == ":memory:":
        return str(path)
    return current.url(str(Path(path).resolve()))


def store_config(path: Path | str) -> StoreConfig:
    """``path`` keeps local files (keys) beside it; on PostgreSQL ``url`` holds the state."""
    return StoreConfig(path=str(path), url=location_of(path) if ON_POSTGRES else None)
