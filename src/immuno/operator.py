"""Operator decisions, shared by the CLI and the gateway so both record them alike.

Approving a held call and releasing quarantined content as benign are operator
outcomes: a false positive of the layers that stopped the signal, sealed into the
audit log and counted in their autoimmunity rate.
"""

from __future__ import annotations

from immuno.core.errors import InputError
from immuno.core.outcome import Outcome
from immuno.core.pipeline import Immune
from immuno.detect.quarantine import Held, Quarantine
from immuno.policy.approvals import Approval, Approvals


def approve(
    immune: Immune, request: str, by: str = "operator", note: str | None = None
) -> tuple[Approval, str | None]:
    """Approve a pending request; returns it, and a note when no outcome was counted
    (the call was held before outcomes were kept)."""
    book = Approvals(immune.store, immune.clock)
    current = book.get(request)
    if current is None:
        raise InputError("approval", f"no approval request {request!r}")
    if current.status != "pending":
        raise InputError("approval", f"{request} is already {current.status}")
    remark = None
    try:
        outcome: Outcome | None = immune.false_positive(request, approval_id=request, by=by)
    except InputError as exc:  # held before outcomes were kept: approve anyway
        outcome, remark = None, f"{exc.problem}; not counted as an outcome"
    approved = book.approve(request, by, note)
    if outcome is not None:
        immune.record_outcome(outcome)
    return approved, remark


def release(immune: Immune, ident: str, *, false_positive: bool, by: str = "operator") -> Held:
    """Release a quarantined item; with ``false_positive`` it was benign, an outcome
    charged to the layers that held it (refused for content that was only flagged)."""
    quarantine = Quarantine(immune.store)
    if not false_positive:
        return quarantine.release(ident)
    held = quarantine.get(ident)
    if held.status == "flagged":
        raise InputError("false_positive", f"{ident} was delivered with a flag, never held")
    outcome = immune.false_positive(ident, signal_id=held.signal_id, by=by)
    released = quarantine.release(ident)
    immune.record_outcome(outcome)
    return released
