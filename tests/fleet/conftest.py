from __future__ import annotations

import os

import pytest

from tests.backends import service


@pytest.fixture
def redis_url() -> str:
    """A real Redis on loopback (``scripts/services.sh start``); in CI it must be there."""
    url = service("IMMUNO_TEST_REDIS_URL")
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("IMMUNO_TEST_REDIS_URL is not set: run scripts/services.sh start")
        pytest.skip("no test Redis: run scripts/services.sh start")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()  # each test starts from an empty keyspace
    client.close()
    return url
