from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from immuno import Config, Immune
from immuno.core.config import StoreConfig


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The default configuration, with its store in a temporary directory."""
    return Config(store=StoreConfig(path=str(tmp_path / "immuno.db")))


@pytest.fixture
def immune(config: Config) -> Iterator[Immune]:
    instance = Immune(config)
    yield instance
    instance.close()
