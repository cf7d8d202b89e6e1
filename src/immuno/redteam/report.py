"""What a run says: the full JSON report, the dashboard's scorecard (version 1, the
shape in docs/dashboard.md) and the rows of the table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from immuno.redteam.runner import Score

NOTES = (
    "Attacks and benign workloads are generated from immuno's own templates "
    "(instruction x target x wrapper x obfuscation), not from any public dataset: the "
    "scorecard measures this deployment's configuration on them, not how detection "
    "generalises to attacks it has never seen."
)


@dataclass(frozen=True)
class Run:
    """One run: what was attacked, when, how long it took, and the scores."""

    target: str
    generated_at: str
    seconds: float
    store: str
    scores: Sequence[Score]


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def family_json(score: Score) -> dict[str, Any]:
    median, p99 = score.median_us(), score.p99_us()
    return {
        "name": score.name,
        "skipped": score.skipped,
        "attacks": score.attacks,
        "stopped": score.stopped,
        "stopped_pct": _percent(score.stopped, score.attacks),
        "benign": score.benign,
        "passed": score.passed,
        "passed_pct": _percent(score.passed, score.benign),
        "checks": len(score.latencies),
        "latency_us": {
            "median": round(median, 1) if median is not None else None,
            "p99": round(p99, 1) if p99 is not None else None,
        },
        "stopped_by": dict(sorted(score.codes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "techniques": {
            name: {"attacks": seen[0], "stopped": seen[1]}
            for name, seen in sorted(score.techniques.items())
        },
    }


def full_json(run: Run) -> dict[str, Any]:
    """Everything a run measured, for ``--json``."""
    return {
        "version": 1,
        "generated_at": run.generated_at,
        "target": run.target,
        "store": run.store,
        "seconds": round(run.seconds, 2),
        "attacks": sum(s.attacks for s in run.scores),
        "stopped": sum(s.stopped for s in run.scores),
        "benign": sum(s.benign for s in run.scores),
        "passed": sum(s.passed for s in run.scores),
        "families": [family_json(s) for s in run.scores],
        "notes": NOTES,
    }


def scorecard(run: Run) -> dict[str, Any]:
    """The dashboard's scorecard: exactly the keys docs/dashboard.md lists."""
    ran = [s for s in run.scores if s.skipped is None]
    skipped = [f"{s.name} skipped: {s.skipped}" for s in run.scores if s.skipped is not None]
    benign = sum(s.benign for s in ran)
    passed = sum(s.passed for s in ran)
    notes = f"Benign workloads passed: {passed} of {benign}. {NOTES}"
    if skipped:
        notes += " " + "; ".join(skipped) + "."
    return {
        "version": 1,
        "generated_at": run.generated_at,
        "target": run.target,
        "attacks": sum(s.attacks for s in ran),
        "stopped": sum(s.stopped for s in ran),
        "families": [{"name": s.name, "attacks": s.attacks, "stopped": s.stopped} for s in ran],
        "notes": notes,
    }


def _pct_cell(part: int, whole: int) -> str:
    shown = _percent(part, whole)
    return "-" if shown is None else f"{shown:.0f}% {part}/{whole}"


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value / 1000:.1f}"


def rows(scores: Sequence[Score]) -> list[tuple[str, ...]]:
    """Table rows: family, stopped, benign passed, median ms, p99 ms."""
    out: list[tuple[str, ...]] = []
    for s in scores:
        if s.skipped is not None:
            out.append((s.name, "skipped", "-", "-", "-"))
            continue
        stopped, passed = _pct_cell(s.stopped, s.attacks), _pct_cell(s.passed, s.benign)
        out.append((s.name, stopped, passed, _us(s.median_us()), _us(s.p99_us())))
    return out


def stopped_by(score: Score) -> str:
    """The findings that stopped the family's attacks, most often first, with counts
    (an attack stopped by several findings counts for each); or why it was skipped."""
    if score.skipped is not None:
        return f"skipped: {score.skipped}"
    ranked = sorted(score.codes.items(), key=lambda kv: (-kv[1], kv[0]))
    return "\n".join(f"{code} {count}" for code, count in ranked) or "-"
