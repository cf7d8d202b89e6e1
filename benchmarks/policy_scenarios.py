"""Blocked-attack rate and benign-task pass rate of the policy scenario suites.

    .venv/bin/python benchmarks/policy_scenarios.py [--quiet] [SUITE ...]

Every suite is a development suite: each informed choices in the engine, so these
figures describe the engine on tasks it was shaped by, not on unseen ones. Suites
(tasks and manifests under tests/policy/):

* ``assistant``: scenarios.py with scenario_manifest.yaml (banking, email, calendar,
  files), written alongside the policy engine;
* ``concierge``: dev_concierge_scenarios.py with dev_concierge_manifest.yaml (a
  travelling consultant's concierge), manifest first; the engine was later revised
  against it (sentence-level cleanliness, change-notice cues, written-back values);
* ``shop``: dev_shop_scenarios.py with dev_shop_manifest.yaml (a shop operations
  agent), manifest first, by someone who had not read how the engine decides; the
  engine was later revised against its misses (hidden markup, a disowned branch head);
* ``letting``: dev_letting_scenarios.py with dev_letting_manifest.yaml (a letting
  agency's front-desk agent), written the same way; later engine choices were made
  with it in view.

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

import dev_concierge_scenarios  # noqa: E402
import dev_letting_scenarios  # noqa: E402
import dev_shop_scenarios  # noqa: E402
import scenario_runner as runner  # noqa: E402
import scenarios  # noqa: E402
from scenarios import Task  # noqa: E402

SUITES: dict[str, tuple[Path, str, Sequence[Task], Sequence[Task], Sequence[Task]]] = {
    "assistant": (scenarios.MANIFEST, "assistant", scenarios.BENIGN, scenarios.INJECTIONS, ()),
    "concierge": (
        dev_concierge_scenarios.MANIFEST,
        dev_concierge_scenarios.AGENT,
        dev_concierge_scenarios.BENIGN,
        dev_concierge_scenarios.INJECTIONS,
        dev_concierge_scenarios.PROBES,
    ),
    "shop": (
        dev_shop_scenarios.MANIFEST,
        dev_shop_scenarios.AGENT,
        dev_shop_scenarios.BENIGN,
        dev_shop_scenarios.INJECTIONS,
        dev_shop_scenarios.PROBES,
    ),
    "letting": (
        dev_letting_scenarios.MANIFEST,
        dev_letting_scenarios.AGENT,
        dev_letting_scenarios.BENIGN,
        dev_letting_scenarios.INJECTIONS,
        dev_letting_scenarios.PROBES,
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
