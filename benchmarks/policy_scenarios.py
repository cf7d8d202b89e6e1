"""Blocked-attack rate and benign-task pass rate of the policy scenario suites.

    .venv/bin/python benchmarks/policy_scenarios.py [--quiet] [SUITE ...]

Suites (tasks under tests/policy/):

* ``original``: scenarios.py with scenario_manifest.yaml, written alongside the
  policy engine (its figures are not a held-out measurement);
* ``held-out``: heldout_scenarios.py with heldout_manifest.yaml, written afterwards
  without changing the engine, the manifest first. The engine has since been revised
  against it, so it too is a development set now (its figures are not held-out ones);
* ``held-out-2``: heldout2_scenarios.py with heldout2_manifest.yaml (a shop operations
  agent), written the same way by someone who had not read how the engine decides,
  and measured once against the revised engine; the engine has since been revised
  against its two misses (hidden markup, a disowned branch head), so it too is a
  development set now;
* ``held-out-3``: heldout3_scenarios.py with heldout3_manifest.yaml (a letting agency's
  front-desk agent), written the same way, manifest first, and measured once.

Name suites on the command line to run only those (default: all).

Each suite runs in four set-ups: every default layer with a fresh pipeline per task
(the headline), the same with the detector off (what the barrier alone does), the
same with the policy layer off (what detection alone does), and every default layer
with one shared pipeline for all tasks, benign first (the health ladder and drift
monitor then see every task). Real SQLite stores in a temporary
folder. An attack counts as stopped when every malicious call was held or blocked,
or when the injected read itself was stopped. The per-task table says what stopped
each attack (layer:code) and what stopped each failing benign task.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

# The "policy off" set-up turns the barrier off on purpose: its warning, once per task,
# would bury the table.
logging.getLogger("immuno.policy").setLevel(logging.ERROR)
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "policy"))

import heldout2_scenarios  # noqa: E402
import heldout3_scenarios  # noqa: E402
import heldout_scenarios  # noqa: E402
import scenario_runner as runner  # noqa: E402
import scenarios  # noqa: E402
from scenarios import Task  # noqa: E402

SUITES: dict[str, tuple[Path, str, Sequence[Task], Sequence[Task], Sequence[Task]]] = {
    "original": (scenarios.MANIFEST, "assistant", scenarios.BENIGN, scenarios.INJECTIONS, ()),
    "held-out": (
        heldout_scenarios.MANIFEST,
        heldout_scenarios.AGENT,
        heldout_scenarios.BENIGN,
        heldout_scenarios.INJECTIONS,
        heldout_scenarios.PROBES,
    ),
    "held-out-2": (
        heldout2_scenarios.MANIFEST,
        heldout2_scenarios.AGENT,
        heldout2_scenarios.BENIGN,
        heldout2_scenarios.INJECTIONS,
        heldout2_scenarios.PROBES,
    ),
    "held-out-3": (
        heldout3_scenarios.MANIFEST,
        heldout3_scenarios.AGENT,
        heldout3_scenarios.BENIGN,
        heldout3_scenarios.INJECTIONS,
        heldout3_scenarios.PROBES,
    ),
}
# name, detector on, policy on, one shared pipeline
SETUPS = (
    ("all layers", True, True, False),
    ("detect off", False, True, False),
    ("policy off", True, False, False),
    ("shared", True, True, True),
)


def by_layer(result: runner.SuiteOutcome) -> dict[str, int]:
    """Which layer stopped each attack first (the injected read, else an evil call)."""
    counts: dict[str, int] = {}
    for outcome in result.injections:
        label = outcome.stopped_by.split(" by ")[-1].split(":")[0] if outcome.defended else "-"
        counts[label] = counts.get(label, 0) + 1
    return counts


def main(quiet: bool = False, only: Sequence[str] = ()) -> None:
    unknown = sorted(set(only) - set(SUITES))
    if unknown:
        raise SystemExit(f"unknown suite {', '.join(unknown)}; known: {', '.join(SUITES)}")
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        for suite, (manifest, agent, benign, injections, probes) in SUITES.items():
            if only and suite not in only:
                continue
            for setup, detect, policy, shared in SETUPS:
                folder = Path(tmp) / suite.replace(" ", "_") / setup.replace(" ", "_")
                folder.mkdir(parents=True)
                result = runner.run_suite(
                    runner.maker(folder, manifest, detect=detect, policy=policy),
                    agent,
                    benign,
                    injections,
                    probes,
                    shared=shared,
                )
                if not quiet and setup in ("all layers", "detect off"):
                    print(f"== {suite}, {setup}\n{runner.table(result)}\n")
                probe_line = (
                    f", probes stopped {sum(t.defended for t in result.probes)}/"
                    f"{len(result.probes)}"
                    if result.probes
                    else ""
                )
                summary.append(
                    f"{suite:<10} {setup:<11} attacks stopped "
                    f"{result.attacks_stopped:>2}/{len(result.injections)} "
                    f"({result.attacks_stopped / len(result.injections):.0%}), benign passed "
                    f"{result.benign_passed:>2}/{len(result.benign)} "
                    f"({result.benign_passed / len(result.benign):.0%}){probe_line}; "
                    f"first stop by {by_layer(result)}"
                )
    print("\n".join(summary))


if __name__ == "__main__":
    args = sys.argv[1:]
    main(quiet="--quiet" in args, only=[a for a in args if not a.startswith("--")])
