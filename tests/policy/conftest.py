from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from policy_fixtures import BASIC, FakeClock
from tests.backends import store_config

from immuno import Config, Immune
from immuno.core.config import PolicyConfig


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def _write(text: str, name: str = "manifest.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def make_immune(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., Immune]]:
    made: list[Immune] = []

    def _make(manifest: str | None = BASIC, **policy: object) -> Immune:
        manifests = []
        if manifest is not None:
            path = tmp_path / f"m{len(made)}.yaml"
            path.write_text(manifest, encoding="utf-8")
            manifests = [str(path)]
        config = Config(
            store=store_config(tmp_path / "immuno.db"),
            policy=PolicyConfig(manifests=manifests, **policy),  # type: ignore[arg-type]
        )
        immune = Immune(config, clock=clock)
        made.append(immune)
        return immune

    yield _make
    for immune in made:
        immune.close()
