"""Operator decisions, shared by the CLI and the gateway so both record them alike.

Approving a held call and releasing quarantined content as benign are operator
outcomes: a false positive of the layers that stopped the signal, sealed into the
audit log and counted in their autoimmunity rate. An incident is confirmed (its
payload becomes a vaccine) or found a false positive (its stopped signals are
charged to the layers that stopped them), and either decision is sealed too.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import msgspec

from immuno.core.action import Action
from immuno.core.errors import InputError
from immuno.core.finding import Finding, Severity
from immuno.core.outcome import Outcome
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.detect.quarantine import Held, Quarantine
from immuno.policy.approvals import Approval, Approvals
from immuno.response.incidents import (
    MAX_OFFSET,
    DecisionRecord,
    IncidentBook,
    IncidentRow,
    TimelineRow,
)
from immuno.response.payloads import Missing, Payload, recover


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
        immune.record_outcome(outcome)  # sealed as the outcome
    else:
        record_act(immune, by, "approve", request, f"{by} approved {request}", agent=approved.agent)
    return approved, remark


def deny(immune: Immune, request: str, by: str = "operator", note: str | None = None) -> Approval:
    """Deny a pending request (presenting its id is refused from then on), sealed."""
    book = Approvals(immune.store, immune.clock)
    if book.get(request) is None:
        raise InputError("approval", f"no approval request {request!r}")
    denied = book.deny(request, by, note)
    record_act(immune, by, "deny", request, f"{by} denied {request}", agent=denied.agent)
    return denied


def release(immune: Immune, ident: str, *, false_positive: bool, by: str = "operator") -> Held:
    """Release a quarantined item, sealed; with ``false_positive`` it was benign, an
    outcome charged to the layers that held it (refused for content only flagged)."""
    quarantine = Quarantine(immune.store)
    if not false_positive:
        released = quarantine.release(ident)
        record_act(immune, by, "release", ident, f"{by} released {ident}", agent=released.agent)
        return released
    held = quarantine.get(ident)
    if held.status == "flagged":
        raise InputError("false_positive", f"{ident} was delivered with a flag, never held")
    outcome = immune.false_positive(ident, signal_id=held.signal_id, by=by)
    released = quarantine.release(ident)
    immune.record_outcome(outcome)
    return released


# -- incidents -------------------------------------------------------------------------


class IncidentDecided(msgspec.Struct, frozen=True, kw_only=True):
    """What deciding an incident did: the sealed decision, the texts vaccinated (or
    why a payload could not be), and for a false positive the signals charged."""

    decision: DecisionRecord
    vaccinated: list[Payload] = msgspec.field(default_factory=list)
    missing: list[Missing] = msgspec.field(default_factory=list)
    skipped: list[str] = msgspec.field(default_factory=list)  # texts refused as vaccines
    flagged_only: int = 0  # signals no layer stopped: outside the rate's count
    already: int = 0  # signals an operator had already found benign


def _flushed(immune: Immune) -> IncidentBook:
    """The incident book, after this process's buffered findings reached the store."""
    # Without the response layer, the store holds what other processes wrote.
    with contextlib.suppress(KeyError):
        immune.layer("response").flush()
    return IncidentBook(immune.store)


def _sightings(book: IncidentBook, incident: IncidentRow, limit: int) -> list[TimelineRow]:
    """The incident's findings in time order, at most ``limit`` (read page by page)."""
    rows: list[TimelineRow] = []
    while len(rows) < limit:
        page = book.timeline(incident, limit=min(10_000, limit - len(rows)), offset=len(rows))
        rows.extend(page)
        if len(page) < 10_000:
            break
    return rows


def record_act(
    immune: Immune,
    by: str,
    act: str,
    subject: str,
    message: str,
    *,
    agent: str = "-",
    details: dict[str, Any] | None = None,
) -> int | None:
    """Seal an operator's act in the audit log (a trusted operator message about
    ``subject``, allowed, whose one finding ``operator.<act>`` says what was done);
    returns its audit entry, or None when the audit log is off."""
    if immune.sealer is None:
        return None
    signal = Signal(
        kind=SignalKind.MESSAGE,
        agent=agent,
        peer=f"operator:{by}",
        args={"outcome": act, "subject": subject, **(details or {})},
        provenance=Provenance.TRUSTED,
        id=f"outcome_{uuid.uuid4().hex}",
        at=immune.clock(),
    )
    finding = Finding(
        layer="operator",
        code=f"operator.{act}",
        severity=Severity.INFO,
        score=0.0,
        message=message,
        ref=subject,
    )
    verdict = Verdict(signal_id=signal.id, action=Action.ALLOW, score=0.0, findings=(finding,))
    return immune.sealer.seal(signal, verdict)


def _seal(
    immune: Immune, incident: IncidentRow, decision: DecisionRecord, message: str
) -> int | None:
    details = {"vaccines": decision.vaccines, "counted": decision.counted, "note": decision.note}
    return record_act(
        immune,
        decision.by,
        f"incident_{decision.decision}",
        incident.id,
        message,
        agent=incident.agents[0] if incident.agents else "-",
        details=details,
    )


def confirm_incident(
    immune: Immune,
    ident: str,
    by: str = "operator",
    note: str | None = None,
    *,
    without_vaccine: bool = False,
) -> IncidentDecided:
    """Confirm an incident as an attack: each text recovered for it becomes a vaccine
    (near-variants are caught from then on), and the decision is sealed in the audit
    log. Refused when no text can be recovered, unless ``without_vaccine``."""
    book = _flushed(immune)
    incident = book.undecided(ident)
    rows = _sightings(book, incident, 1000)
    found, missing = recover(
        immune.store,
        [(r.signal_id, r.content_sha256) for r in rows],
        audit_content=immune.config.audit.store_content,
    )
    vaccinated: list[Payload] = []
    ids: list[str] = []
    skipped: list[str] = []
    for payload in found:
        try:
            ids.append(immune.vaccinate(payload.text))
            vaccinated.append(payload)
        except InputError as exc:
            skipped.append(f"{payload.sha256[:12]}: {exc.problem}")
    if not ids and not without_vaccine:
        reasons = "; ".join([*(m.reason for m in missing), *skipped]) or "it has no findings"
        raise InputError(
            "incident",
            f"{ident} has no recoverable payload to vaccinate ({reasons}); nothing was"
            " recorded. Vaccinate the text by hand (immuno vaccinate FILE), or confirm"
            " without a vaccine",
        )
    decision = DecisionRecord(
        incident=ident,
        decision="confirmed",
        by=by,
        at=immune.clock(),
        seq=None,
        vaccines=sorted(set(ids)),
        counted=0,
        note=note,
    )
    made = ", ".join(decision.vaccines) or "no vaccine"
    seq = _seal(immune, incident, decision, f"{by} confirmed incident {ident} an attack: {made}")
    decision = msgspec.structs.replace(decision, seq=seq)
    book.record(decision)
    return IncidentDecided(
        decision=decision, vaccinated=vaccinated, missing=missing, skipped=skipped
    )


def incident_false_positive(
    immune: Immune, ident: str, by: str = "operator", note: str | None = None
) -> IncidentDecided:
    """Record an incident as a false positive: each of its signals that a layer stopped
    or held is charged to those layers' autoimmunity rate (once, however many
    incidents it is in), each charge and the decision sealed in the audit log. The
    agents' health is left as it is: releasing an agent is a separate act."""
    book = _flushed(immune)
    incident = book.undecided(ident)
    everything = _sightings(book, incident, MAX_OFFSET)  # every finding of it
    signals = list(dict.fromkeys(r.signal_id for r in everything))
    counted = flagged = already = 0
    for signal_id in signals:
        try:
            outcome = immune.false_positive(ident, signal_id=signal_id, by=by)
        except InputError as exc:
            if "already" in exc.problem:
                already += 1
            else:
                flagged += 1
            continue
        immune.record_outcome(outcome)
        counted += 1
    decision = DecisionRecord(
        incident=ident,
        decision="false_positive",
        by=by,
        at=immune.clock(),
        seq=None,
        vaccines=[],
        counted=counted,
        note=note,
    )
    message = (
        f"{by} found incident {ident} a false positive: {counted} stopped signal(s) charged"
        f" to the layers that stopped them, {flagged} only flagged, {already} already counted"
    )
    decision = msgspec.structs.replace(decision, seq=_seal(immune, incident, decision, message))
    book.record(decision)
    return IncidentDecided(decision=decision, flagged_only=flagged, already=already)
