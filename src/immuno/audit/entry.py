"""Canonical log entries: one sealed decision, encoded the same way every time.

An entry is msgspec JSON of fixed structs (fields in declaration order, no
whitespace), opened by its own sequence number::

    {"v":1,"seq":41,"signal":{...},"verdict":{...}}

What the signal said (content, call arguments, envelope) and what findings quote
(evidence) are stored as SHA-256 digests unless ``store_content`` is on: the log
proves what was decided about which bytes without keeping the bytes themselves.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from immuno.core.signal import Signal
from immuno.core.verdict import Verdict

ENTRY_VERSION = 1
_encode = msgspec.json.Encoder().encode


class SignalRecord(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=False):
    id: str
    kind: str
    agent: str
    at: float
    provenance: str
    peer: str | None
    tool: str | None
    trace: str | None
    content_sha256: str
    args_sha256: str | None
    envelope_sha256: str | None
    content: str | None = None
    args: dict[str, Any] | None = None


class _FindingFields(msgspec.Struct, frozen=True, kw_only=True):
    layer: str
    code: str
    severity: str
    score: float
    message: str
    action: str | None
    ref: str | None
    span: tuple[int, int] | None
    evidence_sha256: str | None
    evidence: str | None = None


class FindingRecord(_FindingFields, frozen=True, kw_only=True):
    """A sealed finding. ``part`` names where in the signal it is (``args.body``);
    the key is written only when set, so findings without one keep their old form."""

    part: str | None = None


class VerdictRecord(msgspec.Struct, frozen=True, kw_only=True):
    action: str
    score: float
    approval_id: str | None
    findings: tuple[FindingRecord, ...]


class _SealedVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """What is encoded: a VerdictRecord whose findings may lack ``part``."""

    action: str
    score: float
    approval_id: str | None
    findings: tuple[_FindingFields, ...]


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """The decoded form of an entry (what ``immuno audit tail`` and exports show)."""

    v: int
    seq: int
    signal: SignalRecord
    verdict: VerdictRecord


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _finding(finding: Any, clear: bool) -> _FindingFields:
    evidence = finding.evidence
    fields = _FindingFields(
        layer=finding.layer,
        code=finding.code,
        severity=finding.severity,
        score=finding.score,
        message=finding.message,
        action=finding.action,
        ref=finding.ref,
        span=(finding.span.start, finding.span.end) if finding.span is not None else None,
        evidence_sha256=_sha(evidence) if evidence is not None else None,
        evidence=evidence if clear else None,
    )
    if finding.part is None:
        return fields
    return FindingRecord(**msgspec.structs.asdict(fields), part=finding.part)


def encode_body(signal: Signal, verdict: Verdict, *, store_content: bool = False) -> bytes:
    """The canonical ``"signal":...,"verdict":...}`` tail of an entry (no sequence yet)."""
    args = signal.args
    envelope = signal.envelope
    record = SignalRecord(
        id=signal.id,
        kind=signal.kind,  # a StrEnum is a str: encoded as its value
        agent=signal.agent,
        at=signal.at,
        provenance=signal.provenance,
        peer=signal.peer,
        tool=signal.tool,
        trace=signal.trace,
        content_sha256=_sha(signal.content),
        args_sha256=_digest(_encode(args)) if args else None,
        envelope_sha256=_digest(_encode(envelope)) if envelope is not None else None,
        content=signal.content if store_content else None,
        args=args if store_content and args else None,
    )
    decided = _SealedVerdict(
        action=verdict.action,
        score=verdict.score,
        approval_id=verdict.approval_id,
        findings=tuple(_finding(f, store_content) for f in verdict.findings),
    )
    return _encode({"signal": record, "verdict": decided})[1:]


def with_seq(seq: int, body: bytes) -> bytes:
    """The full entry: the sequence number first, then the body."""
    return b'{"v":%d,"seq":%d,' % (ENTRY_VERSION, seq) + body


def decode_entry(data: bytes) -> Entry:
    return msgspec.json.decode(data, type=Entry)
