from __future__ import annotations

from immuno import Config, Immune
from immuno.demo import run_all


def test_injections_and_the_vaccinated_variant_are_stopped_by_detect(config: Config) -> None:
    rows = {row.attack.name: row for row in run_all(lambda: Immune(config))}
    for name in ("tool-output injection", "obfuscated injection"):
        assert not rows[name].protected.compromised
        assert rows[name].stopped_by.startswith("detect")
    variant = rows["vaccinated campaign variant"]
    assert variant.unprotected.compromised
    assert not variant.protected.compromised
    assert variant.stopped_by == "detect (excised)"  # cut out of the page it came in
