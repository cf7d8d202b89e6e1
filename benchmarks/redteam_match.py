"""Do the red team's figures match the benchmarks' within noise?

Two families measure what a benchmark also measures with the same machinery:

* ``behavioural drift``: the red team runs the simulated agents of
  ``immuno.identity.simulate`` through a whole deployment (every layer, the identity
  layer's drift monitor among them; seeds 200,000 on); ``identity_speed.py`` scores the
  monitor alone on seeds 100,000-100,199 (switches caught within 50 actions after 100
  normal ones, as the red team does). False alarms are compared over the same 150
  actions a benign red-team case takes.
* ``cascade``: the red team's meshes (the development lattice and layouts of its
  seed) against ``mesh_cascade.py``'s held-out layouts: worms contained (at most three
  agents infected, none beyond patient zero's peers, no payment), honest rounds of
  work untouched.
* the four injection families: the red team's cases (a whole deployment, seed 1)
  against the same template grammar on other seeds (100,000 on), 25 times as many
  texts, scored the way ``detect_quality.py`` scores a corpus: the detect layer alone,
  stopped at the block threshold. This says the scorecard's small sample and its
  deployment report what the layer does on the templates; how detection generalises
  to text it never saw is ``detect_quality.py``'s figure on public corpora, not this.
* ``memory poisoning``, ``data flow``, ``impersonation`` and ``sandbox escape``: no
  other benchmark runs their cases, so their red-team figures are checked against
  sampling noise only: the same cases on another seed (100,000), 25 times as many (a
  host that cannot sandbox skips that family, and says so).

Each figure comes with its 95% Wilson interval; two figures match within noise when
the intervals overlap. ``--scale`` runs the red-team families larger than a default
``immuno redteam`` run (narrower intervals).

    python benchmarks/redteam_match.py [--scale 2]
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from detect_quality import builtin_layer, signal_score
from immuno.core.action import Action
from immuno.core.config import DEFAULT_BLOCK_THRESHOLD, Config
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.detect import Classifier
from immuno.identity.drift import DriftSettings
from immuno.identity.simulate import ALARM, SWITCHES, first_alarm, trace_scores
from immuno.redteam import cascade, graphs, injection, runner
from immuno.redteam.harness import Checks, Deployment, Result
from mesh_cascade import layouts

REPORTING = range(100_000, 100_100)


def wilson(part: int, whole: int) -> tuple[float, float]:
    if whole == 0:
        return (0.0, 1.0)
    p, z = part / whole, 1.96
    centre = (p + z * z / (2 * whole)) / (1 + z * z / whole)
    half = z * math.sqrt(p * (1 - p) / whole + z * z / (4 * whole * whole)) / (1 + z * z / whole)
    return (max(0.0, centre - half), min(1.0, centre + half))


def line(what: str, red: tuple[int, int], bench: tuple[int, int]) -> None:
    lo_r, hi_r = wilson(*red)
    lo_b, hi_b = wilson(*bench)
    match = "match" if lo_r <= hi_b and lo_b <= hi_r else "DIFFER"
    print(
        f"{what:<44} red team {red[0]:>4}/{red[1]:<4} {100 * red[0] / red[1]:5.1f}%"
        f" [{100 * lo_r:4.1f}, {100 * hi_r:5.1f}]   benchmark {bench[0]:>4}/{bench[1]:<4}"
        f" {100 * bench[0] / bench[1]:5.1f}% [{100 * lo_b:4.1f}, {100 * hi_b:5.1f}]  {match}"
    )


def drift_benchmark() -> tuple[tuple[int, int], tuple[int, int]]:
    """(caught within 50 of switched traces, clean of 150-action normal traces)."""
    settings = DriftSettings()
    caught = total = 0
    for how in SWITCHES:
        for seed in REPORTING:
            trace = trace_scores(
                settings, seed * 7919 + SWITCHES.index(how), how, normal=100, after=50
            )
            total += 1
            if first_alarm(trace.normal, ALARM) is None:
                delay = first_alarm(trace.after, ALARM)
                caught += delay is not None and delay <= 50
    clean = sum(
        first_alarm(trace_scores(settings, seed, None, normal=150, after=0).normal, ALARM) is None
        for seed in REPORTING
    )
    return (caught, total), (clean, len(REPORTING))


def cascade_benchmark() -> tuple[tuple[int, int], tuple[int, int]]:
    """(contained meshes, untouched honest rounds) over mesh_cascade.py's layouts."""
    contained = meshes = untouched = rounds = 0
    with tempfile.TemporaryDirectory() as tmp:
        deployment = Deployment(Config(), Path(tmp), [str(runner.MANIFEST)])
        for _, graph, zero in layouts(11):
            if graph.name == graphs.lattice().name:
                continue  # the development layout is in the red team's run already
            on, _, _ = cascade.run_mesh(deployment, graph, 1, zero)
            honest, _, _ = cascade.run_mesh(deployment, graph, 1, None)
            meshes += 1
            contained += on.contained
            tasks = on.tasks + honest.tasks
            rounds += len(tasks)
            untouched += sum(tasks)
    return (contained, meshes), (untouched, rounds)


INJECTION = (
    "direct injection",
    "direct injection, obfuscated",
    "indirect injection",
    "indirect injection, obfuscated",
)
BENCH_SEEDS = range(100_000, 100_025)
SAMPLED = ["memory poisoning", "data flow", "impersonation", runner.SANDBOX]


class LayerAlone:
    """Checks a signal with the detect layer only, as ``detect_quality.py`` scores a
    text: stopped when a finding reaches the block threshold."""

    def __init__(self) -> None:
        self.layer = builtin_layer(Classifier.builtin())

    def check(self, signal: Signal) -> Verdict:
        score = signal_score(self.layer, signal)
        action = Action.BLOCK if score >= DEFAULT_BLOCK_THRESHOLD else Action.ALLOW
        return Verdict(signal_id=signal.id, action=action, score=score)


class AloneRuns:
    def __init__(self) -> None:
        self.checks = LayerAlone()

    def run(
        self, family: str, attack: bool, technique: str, body: Callable[[Checks], bool]
    ) -> Result:
        return Result(family, attack, technique, body(self.checks))


def injection_benchmark(family: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(attacks stopped, benign texts passed) of the family's grammar on other seeds."""
    runs, score = AloneRuns(), runner.Score(family)
    for seed in BENCH_SEEDS:
        for result in injection.run(runs, family, runner.cases(family), seed):
            score.add(result)
    return (score.stopped, score.attacks), (score.passed, score.benign)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    random.seed(0)
    families = ["behavioural drift", "cascade", *INJECTION]
    red = {s.name: s for s in runner.run(Config(), families, scale=args.scale)}
    caught, clean = drift_benchmark()
    d = red["behavioural drift"]
    line("drift: switches caught within 50 actions", (d.stopped, d.attacks), caught)
    line("drift: normal agents with no alarm (150 actions)", (d.passed, d.benign), clean)
    contained, untouched = cascade_benchmark()
    c = red["cascade"]
    line("cascade: worms contained", (c.stopped, c.attacks), contained)
    line("cascade: honest rounds of work untouched", (c.passed, c.benign), untouched)
    for family in INJECTION:
        stopped, passed = injection_benchmark(family)
        i = red[family]
        line(f"{family}: stopped", (i.stopped, i.attacks), stopped)
        line(f"{family}: benign passed", (i.passed, i.benign), passed)
    resampled = runner.run(Config(), SAMPLED, scale=25.0, seed=BENCH_SEEDS[0])
    red = {s.name: s for s in runner.run(Config(), SAMPLED, scale=args.scale)}
    for big in resampled:
        small = red[big.name]
        if big.skipped is not None:
            print(f"{big.name}: skipped ({big.skipped})")
            continue
        line(f"{big.name}: stopped", (small.stopped, small.attacks), (big.stopped, big.attacks))
        line(f"{big.name}: benign passed", (small.passed, small.benign), (big.passed, big.benign))


if __name__ == "__main__":
    main()
