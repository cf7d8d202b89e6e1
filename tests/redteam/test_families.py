"""Every family is measured, and a weakened configuration scores worse exactly where
the layer it turned off was doing the stopping."""

from __future__ import annotations

import pytest

from immuno.core.config import Config
from immuno.redteam import drift, impersonation, runner
from tests.redteam.conftest import config_of, scores


@pytest.fixture(scope="module")
def default() -> dict[str, runner.Score]:
    return scores(Config(), runner.NAMES)


def test_every_family_is_measured_with_numbers_in_range(
    default: dict[str, runner.Score],
) -> None:
    assert list(default) == list(runner.NAMES)
    for name, score in default.items():
        if score.skipped is not None:
            assert name == runner.SANDBOX and score.attacks == 0
            continue
        assert score.attacks > 0 and 0 <= score.stopped <= score.attacks, name
        # a cascade's benign cases are the honest agents' rounds of work, many a mesh
        many = name == "cascade"
        assert score.benign > score.attacks if many else score.benign == score.attacks, name
        assert 0 <= score.passed <= score.benign, name
        assert len(score.latencies) >= score.attacks + score.benign, name
        median, p99 = score.median_us(), score.p99_us()
        assert median is not None and p99 is not None and 0 < median <= p99, name
        assert sum(seen[0] for seen in score.techniques.values()) == score.attacks
    # the default configuration stops every impersonation and lets every genuine
    # message through: each technique's own identity finding does it
    imp = default["impersonation"]
    assert imp.stopped == imp.attacks and imp.passed == imp.benign
    assert set(imp.techniques) == set(impersonation.TECHNIQUES)
    assert all(stopped == tried for tried, stopped in imp.techniques.values())
    assert {"identity.unsigned", "identity.replay", "identity.expired"} <= set(imp.codes)
    # a key rotated out, and tokens the gateway refuses before the pipeline sees them
    assert {"identity.retired_key", "gateway.token.expired", "gateway.token.invalid"} <= set(
        imp.codes
    )
    # a worm whose memo detection lets through is refused its send and its payment by
    # the manifest (the attacker's account never came from a user); a drifting agent
    # is stopped by its behavioural baseline
    cascade = default["cascade"]
    assert cascade.stopped == cascade.attacks
    assert {"policy.flow.untrusted_value"} <= set(cascade.codes)
    assert not any(code.startswith("detect.") for code in cascade.codes)
    assert set(default["behavioural drift"].codes) <= {"identity.drift"}
    assert set(default["behavioural drift"].techniques) == set(drift.TECHNIQUES)


@pytest.mark.parametrize(
    ("weakened", "families", "gone"),
    [
        ("detect: {enabled: false}", ["indirect injection", "direct injection"], "detect."),
        ("identity: {enabled: false}", ["impersonation"], "identity."),
        ("memory: {quarantine: []}", ["memory poisoning"], "memory."),
    ],
)
def test_a_weakened_configuration_scores_worse_where_it_was_weakened(
    default: dict[str, runner.Score], weakened: str, families: list[str], gone: str
) -> None:
    worse = scores(config_of(weakened), families)
    for name in families:
        before, after = default[name], worse[name]
        assert any(code.startswith(gone) for code in before.codes), name
        assert not any(code.startswith(gone) for code in after.codes), (name, after.codes)
        assert after.stopped < before.stopped, (name, before.stopped, after.stopped)


def test_without_the_policy_layer_values_from_pages_go_out(
    default: dict[str, runner.Score],
) -> None:
    before = default["data flow"]
    after = scores(config_of("policy: {enabled: false}"), ["data flow"])["data flow"]
    assert before.codes.get("policy.flow.untrusted_value", 0) > 0
    assert "policy.flow.untrusted_value" not in after.codes
    assert after.stopped < before.stopped


def test_a_host_that_cannot_sandbox_skips_the_family_and_says_why() -> None:
    ran = scores(config_of("sandbox: {bwrap: /nonexistent/bwrap}"), [runner.SANDBOX])
    score = ran[runner.SANDBOX]
    assert score.skipped is not None and "bwrap" in score.skipped
    assert score.attacks == 0 and score.latencies == []
