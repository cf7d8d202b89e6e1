from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV_FILE = Path(__file__).resolve().parents[2] / ".services" / "env"


def service_url(name: str) -> str | None:
    """A test server's URL: from the environment, else from ``scripts/services.sh``."""
    if os.environ.get(name):
        return os.environ[name]
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            if key.strip() == name and value.strip():
                return value.strip().strip("'\"")
    return None


@pytest.fixture
def redis_url() -> str:
    """A real Redis on loopback (``scripts/services.sh start``); in CI it must be there."""
    url = service_url("IMMUNO_TEST_REDIS_URL")
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("IMMUNO_TEST_REDIS_URL is not set: run scripts/services.sh start")
        pytest.skip("no test Redis: run scripts/services.sh start")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()  # each test starts from an empty keyspace
    client.close()
    return url
