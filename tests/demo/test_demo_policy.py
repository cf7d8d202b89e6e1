from __future__ import annotations

from pathlib import Path

import pytest

from immuno import Config, Immune
from immuno.core.config import DetectConfig, StoreConfig
from immuno.demo import ATTACKS, Network, run_all
from immuno.demo.attacks import DRIFT_NORMAL, behavioural_drift
from immuno.demo.manifest import with_manifest


def config(tmp_path: Path, detect: bool = True) -> Config:
    base = Config(
        store=StoreConfig(path=str(tmp_path / "d.db")), detect=DetectConfig(enabled=detect)
    )
    return with_manifest(base)


@pytest.fixture
def rows(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = config(tmp_path)
    return {row.attack.name: row for row in run_all(lambda: Immune(settings))}


def test_the_table_shows_both_layers(rows) -> None:  # type: ignore[no-untyped-def]
    assert rows["tool-output injection"].stopped_by.startswith("detect (")
    assert rows["evasive payment injection"].stopped_by == "policy (policy.flow.untrusted_value)"
    assert not rows["evasive payment injection"].protected.compromised
    # Detection scored the evasive invoice below its blocking threshold; the plain one above.
    block = Config().thresholds.block
    assert rows["evasive payment injection"].detect_score < block
    assert rows["tool-output injection"].detect_score >= block
    assert len(rows) == len(ATTACKS)
    assert all(row.unprotected.compromised for row in rows.values())


def test_evasive_payment_is_stopped_by_data_flow_without_any_detector(tmp_path: Path) -> None:
    settings = config(tmp_path, detect=False)
    rows = {row.attack.name: row for row in run_all(lambda: Immune(settings))}
    evasive = rows["evasive payment injection"]
    assert not evasive.protected.compromised
    assert evasive.stopped_by == "policy (policy.flow.untrusted_value)"


def test_the_manifest_allows_the_demo_agents_ordinary_calls(tmp_path: Path) -> None:
    net = Network(immune=Immune(config(tmp_path)))
    behavioural_drift(net)
    searches = [v for v in net.verdicts if not v.action.stops]
    assert len(searches) == 2 * DRIFT_NORMAL  # every web.search and web.fetch went through
    assert all("policy.not_granted" in v.codes for v in net.stopped)  # shell.run
