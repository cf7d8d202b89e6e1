from __future__ import annotations

from immuno import Config, Immune
from immuno.demo import ATTACKS, NOT_DEFENDED, run_all


def test_every_attack_succeeds_without_protection(config: Config) -> None:
    for row in run_all(lambda: Immune(config)):
        assert row.unprotected.compromised, row.attack.name


def test_tool_output_injections_are_blocked_by_detect(config: Config) -> None:
    rows = {row.attack.name: row for row in run_all(lambda: Immune(config))}
    for name in ("tool-output injection", "obfuscated injection"):
        row = rows[name]
        assert not row.protected.compromised
        assert row.stopped_by.startswith("detect")
        assert row.checks >= 1


def test_undefended_attacks_say_so(config: Config) -> None:
    for row in run_all(lambda: Immune(config)):
        assert (row.stopped_by == NOT_DEFENDED) is row.protected.compromised
    assert len(ATTACKS) >= 6
