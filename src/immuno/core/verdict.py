"""Verdict: the one decision the pipeline returns for a signal."""

from __future__ import annotations

import msgspec

from immuno.core.action import Action
from immuno.core.finding import Finding, Span


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    signal_id: str
    action: Action
    score: float
    findings: tuple[Finding, ...] = ()
    latency_us: float = 0.0
    seq: int | None = None  # audit sequence number once the decision is sealed
    approval_id: str | None = None  # set when action is hold
    # set when action is excise: the content to deliver instead, injected spans cut out
    sanitized: str | None = None

    @property
    def allowed(self) -> bool:
        """The content or call may go ahead as it is (``allow`` or ``flag``). With
        ``excise`` only :attr:`sanitized` may be delivered, never the original."""
        return self.action.rank < Action.EXCISE.rank

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def explain(self) -> str:
        """One line a person can read: the action and the strongest reasons."""
        if not self.findings:
            return f"{self.action.value}: no findings"
        top = sorted(self.findings, key=lambda f: (f.action.rank if f.action else -1, f.score))
        reasons = "; ".join(_reason(f) for f in reversed(top[-3:]))
        return f"{self.action.value} (score {self.score:.2f}): {reasons}"

    def to_dict(self) -> dict[str, object]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


EXCISED_MARK = "[removed by immuno: suspected injected instruction]"


def excise(content: str, spans: list[Span]) -> str:
    """``content`` with every span replaced by one visible mark (overlaps merged)."""
    out: list[str] = []
    at = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.end <= at:
            continue
        out.append(content[at : max(at, span.start)])
        if not out[-1].endswith(EXCISED_MARK):
            out.append(EXCISED_MARK)
        at = max(at, span.end)
    out.append(content[at:])
    return "".join(out)


def _reason(finding: Finding) -> str:
    # The content is where evidence usually is; any other part is named.
    where = f" [{finding.part}]" if finding.part not in (None, "content") else ""
    return f"{finding.layer}/{finding.code}{where}: {finding.message}"
