"""The assistant development suite (scenarios.py), task by task: each malicious call
is stopped for its stated reason, each benign task goes through, in a fresh real
pipeline (SQLite in tmp_path) with every layer and with the detector off. The suite's
figures are reported by benchmarks/policy_scenarios.py, not asserted here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import scenario_runner as R
import scenarios as S

from immuno import Immune

AGENT = "assistant"
FLOW = "policy.flow.untrusted_value"  # a sink argument whose value only untrusted text gave
# Malicious calls the barrier refuses for another reason than the data-flow rule.
STOPPED_FOR = {
    "obfuscated override in an email": "policy.arg_invalid",  # an amount over the cap
    "tool the agent does not hold": "policy.undeclared_tool",
}
# Benign tasks the manifest refuses by design: a new account from a bill is held.
BENIGN_STOPS = {"pay a water bill that arrived by email": ("bank.transfer", FLOW)}
SETUPS = pytest.mark.parametrize("detect", [True, False], ids=["all-layers", "detect-off"])


def _maker(tmp_path: Path, *, detect: bool) -> Callable[[int], Immune]:
    return R.maker(tmp_path, S.MANIFEST, detect=detect)


def test_suite_shape() -> None:
    R.assert_suite_shape(S.BENIGN, S.INJECTIONS, (), least=20)


@SETUPS
@pytest.mark.parametrize("task", S.INJECTIONS, ids=lambda t: t.name)
def test_malicious_calls_are_stopped_for_their_reason(
    tmp_path: Path, task: S.Task, detect: bool
) -> None:
    outcome = R.play_alone(_maker(tmp_path, detect=detect), AGENT, task)
    R.assert_stopped_for(outcome, STOPPED_FOR.get(task.name, FLOW))


@SETUPS
@pytest.mark.parametrize("task", S.BENIGN, ids=lambda t: t.name)
def test_benign_task_goes_through(tmp_path: Path, task: S.Task, detect: bool) -> None:
    outcome = R.play_alone(_maker(tmp_path, detect=detect), AGENT, task)
    R.assert_passes(outcome, BENIGN_STOPS.get(task.name))
