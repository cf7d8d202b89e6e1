"""Run the families against a configuration and measure each one."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from immuno.core.config import Config
from immuno.core.errors import InputError
from immuno.redteam import cascade, drift, flow, impersonation, injection, memory, sandbox
from immuno.redteam.harness import Deployment, Result

MANIFEST = Path(__file__).with_name("manifest.yaml")
Family = Callable[[Deployment, str, int, int], Iterator[Result]]
DRIFT = "behavioural drift"


def _mcp(deployment: Deployment, name: str, count: int, seed: int) -> Iterator[Result]:
    # imported when run: it needs the MCP SDK's types (the mcp extra)
    from immuno.redteam import mcp

    return mcp.run(deployment, name, count, seed)


# name -> (generator, cases of each kind in a full run)
FAMILIES: dict[str, tuple[Family, int]] = {
    "direct injection": (injection.run, 40),
    "direct injection, obfuscated": (injection.run, 40),
    "indirect injection": (injection.run, 40),
    "indirect injection, obfuscated": (injection.run, 40),
    "impersonation": (impersonation.run, 30),
    "memory poisoning": (memory.run, 30),
    "data flow": (flow.run, 30),
    "mcp tools": (_mcp, 30),
    DRIFT: (drift.run, 16),
    "cascade": (cascade.run, 6),
}
SANDBOX = "sandbox escape"
SANDBOX_CASES = 6
MIN_CASES = 6  # a scaled-down run still tries every technique of every family
# Drift and cascade cases are longer (a mesh each); impersonation has ten techniques.
FEWEST = {DRIFT: 4, "cascade": 3, "impersonation": 10}
NAMES = (*FAMILIES, SANDBOX)
SHORT = {name.replace(",", "").replace(" ", "-"): name for name in NAMES}


@dataclass
class Score:
    """One family's figures."""

    name: str
    attacks: int = 0
    stopped: int = 0
    benign: int = 0
    passed: int = 0
    latencies: list[float] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    techniques: dict[str, list[int]] = field(default_factory=dict)  # [attacks, stopped]
    skipped: str | None = None

    def add(self, result: Result) -> None:
        self.latencies.extend(result.latencies)
        if result.attack:
            self.attacks += 1
            self.stopped += result.held
            seen = self.techniques.setdefault(result.technique, [0, 0])
            seen[0] += 1
            seen[1] += result.held
            if result.held:
                for code in result.codes:
                    self.codes[code] = self.codes.get(code, 0) + 1
        else:
            self.benign += 1
            self.passed += not result.held

    def median_us(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    def p99_us(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def parse_families(text: str | None) -> list[str]:
    """The families a ``--families`` value names (short or full names), in run order."""
    if text is None:
        return list(NAMES)
    chosen: list[str] = []
    for word in filter(None, (w.strip() for w in text.split(","))):
        name = SHORT.get(word, word if word in NAMES else None)
        if name is None:
            known = ", ".join(SHORT)
            raise InputError("--families", f"unknown family {word!r}; one of {known}")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise InputError("--families", "names no family")
    return [n for n in NAMES if n in chosen]


def run(
    config: Config,
    families: Sequence[str],
    *,
    fresh_stores: bool = True,
    scale: float = 1.0,
    seed: int = 1,
    step: Callable[[int], None] = lambda n: None,
) -> list[Score]:
    """Every case of ``families`` against ``config``: each case on a fresh store in a
    temporary folder (``fresh_stores``), else on the configured store."""
    with tempfile.TemporaryDirectory(prefix="immuno-redteam-") as tmp:
        root = Path(tmp)
        manifests = [str(MANIFEST)]
        if SANDBOX in families:
            (root / "sandbox.yaml").write_text(sandbox.manifest(root / "sandbox"))
            manifests.append(str(root / "sandbox.yaml"))
        deployment = Deployment(config, root / "stores" if fresh_stores else None, manifests)
        drifting = deployment
        if DRIFT in families:  # its many tools compile for its own cases only
            (root / "drift.yaml").write_text(drift.manifest())
            drifting = deployment.adding(str(root / "drift.yaml"))
        scores = []
        for name in families:
            score = Score(name)
            if name == SANDBOX:
                score.skipped = sandbox.unsupported(config.sandbox.bwrap)
                made: Iterator[Result] = iter(())
                count = cases(name, scale)
                if score.skipped is None:
                    made = sandbox.run(deployment, name, count, root / "sandbox")
                else:
                    step(2 * count)
            else:
                family = FAMILIES[name][0]
                on = drifting if name == DRIFT else deployment
                try:
                    made = family(on, name, cases(name, scale), seed)
                except ImportError as exc:  # an extra this install does not have
                    score.skipped = f"needs {exc.name}: pip install 'immuno[mcp]'"
                    made = iter(())
                    step(2 * cases(name, scale))
            for result in made:
                score.add(result)
                step(result.units)
            scores.append(score)
        return scores


def cases(name: str, scale: float = 1.0) -> int:
    """How many attacks (and as many benign cases) a family runs at ``scale``."""
    if name == SANDBOX:
        return max(3, round(SANDBOX_CASES * scale))
    return max(FEWEST.get(name, MIN_CASES), round(FAMILIES[name][1] * scale))


def planned(families: Sequence[str], scale: float = 1.0) -> int:
    """How many cases a run of ``families`` makes (for the progress bar)."""
    return sum(2 * cases(name, scale) for name in families)
