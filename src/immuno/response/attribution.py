"""Who is responsible for a signal: the agent the ladder should hold to account.

A message between agents is the sender's output (``peer``); a tool call, a memory
write or an output is the agent's own act. A tool result, a memory read or a user's
message is something that happened *to* the agent: it is the target, not the actor,
so an agent is never punished for being attacked. A sender whose identity another
layer found forged is not blamed either (the claim is the attack).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from immuno.core.finding import Finding, Severity
from immuno.core.signal import Provenance, Signal, SignalKind

_OWN_ACTS = frozenset({SignalKind.TOOL_CALL, SignalKind.MEMORY_WRITE, SignalKind.OUTPUT})
_FORGERY_RANK = Severity.HIGH.rank


def actor_of(signal: Signal, earlier: Sequence[Finding] = ()) -> str | None:
    if signal.kind in _OWN_ACTS:
        return signal.agent
    if (
        signal.kind == SignalKind.MESSAGE
        and signal.peer
        and signal.provenance == Provenance.INTERNAL
    ):
        for finding in earlier:
            if finding.layer == "identity" and finding.severity.rank >= _FORGERY_RANK:
                return None
        return signal.peer
    return None


def source_of(signal: Signal, actor: str | None) -> str:
    """The source correlation groups by: the actor, else the tool or sender."""
    if actor:
        return actor
    if signal.tool:
        return f"tool:{signal.tool}"
    if signal.peer:
        return f"peer:{signal.peer}"
    return f"{signal.kind.value}:{signal.agent}"


def sensitive_matcher(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One compiled regex for a list of globs (tool names, finding codes)."""
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(p) for p in patterns))
