"""Request and reply bodies: msgspec Structs, decoded strictly (unknown fields refused).

The same types produce the OpenAPI document (``msgspec.json.schema_components``), so
what is documented is what is enforced.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from immuno.core.errors import InputError
from immuno.core.known import explain_validation
from immuno.core.verdict import Verdict
from immuno.gateway.replies import HTTPError, invalid

MAX_BATCH = 256  # texts in one /v1/scan request

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Source = Literal["user", "tool", "agent", "memory"]


class _Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class ScanRequest(_Body, frozen=True):
    """Bare texts, each checked as if it came from ``source`` for ``agent``."""

    texts: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]
    source: Source = "tool"
    agent: Name | None = None  # default: the caller


class SessionRequest(_Body, frozen=True):
    """Open a session (one user task); ``request`` is the user's own words."""

    agent: Name | None = None  # default: the caller
    request: str | None = None


class DecisionRequest(_Body, frozen=True):
    note: str | None = None


# -- replies ------------------------------------------------------------------------


class FindingOut(msgspec.Struct, frozen=True, kw_only=True):
    layer: str
    code: str
    severity: str
    score: float
    explanation: str
    action: str | None = None
    part: str | None = None
    ref: str | None = None


class VerdictOut(msgspec.Struct, frozen=True, kw_only=True):
    signal_id: str
    action: str
    allowed: bool  # the content or call may go ahead as it is (allow or flag)
    score: float
    findings: list[FindingOut]
    latency_us: float
    seq: int | None = None  # the sealed audit entry
    approval_id: str | None = None  # when held
    sanitized: str | None = None  # when excised: deliver this instead of the content


def verdict_out(verdict: Verdict) -> VerdictOut:
    return VerdictOut(
        signal_id=verdict.signal_id,
        action=verdict.action.value,
        allowed=verdict.allowed,
        score=verdict.score,
        findings=[
            FindingOut(
                layer=f.layer,
                code=f.code,
                severity=f.severity.value,
                score=f.score,
                explanation=f.message,
                action=f.action.value if f.action is not None else None,
                part=f.part,
                ref=f.ref,
            )
            for f in verdict.findings
        ],
        latency_us=verdict.latency_us,
        seq=verdict.seq,
        approval_id=verdict.approval_id,
        sanitized=verdict.sanitized,
    )


class ScanReply(msgspec.Struct, frozen=True):
    verdicts: list[VerdictOut]


class SessionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    agent: str
    verdict: VerdictOut | None = None  # the check of the request, when one was given


class SessionEnded(msgspec.Struct, frozen=True):
    id: str
    ended: bool


class DeliveryOut(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["delivered", "quarantined"]
    id: str  # the message id (the signal id)
    verdict: VerdictOut
    quarantine_id: str | None = None


class MessageOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    sender: str
    recipient: str
    kind: str
    body: str
    received: float
    seq: int | None = None


class InboxOut(msgspec.Struct, frozen=True):
    messages: list[MessageOut]


class ApprovalOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    created: float
    agent: str
    tool: str
    args: Any
    trace: str | None
    reason: str
    status: str
    decided_at: float | None
    decided_by: str | None
    note: str | None


class ApprovalList(msgspec.Struct, frozen=True):
    approvals: list[ApprovalOut]


class QuarantineOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    signal_id: str
    agent: str
    kind: str
    action: str
    score: float
    reasons: list[str]
    content: str
    at: float
    status: str
    delivered: bool = False  # a held signed message went to its recipient's inbox


class QuarantineList(msgspec.Struct, frozen=True):
    items: list[QuarantineOut]


class TreeHeadOut(msgspec.Struct, frozen=True, kw_only=True):
    """A signed tree head; bytes are hex. The signature covers the RFC 9162-style
    checkpoint text (``immuno-audit/v1``, size, base64 root, timestamp)."""

    size: int
    root: str
    timestamp_ms: int
    signature: str
    public_key: str


class InclusionOut(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    size: int
    leaf_hash: str
    path: list[str]
    root: str


class ConsistencyOut(msgspec.Struct, frozen=True, kw_only=True):
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str]


class ErrorDetail(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str
    field: str | None = None


class ErrorOut(msgspec.Struct, frozen=True):
    error: ErrorDetail


class Health(msgspec.Struct, frozen=True):
    status: str


# -- decoding -----------------------------------------------------------------------

T = TypeVar("T")

_LOCATED = re.compile(r"^(.*?) - at `\$\.?([^`]*)`$", re.DOTALL)
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`")
_MISSING = re.compile(r"Object missing required field `([^`]+)`")


def _field_and_problem(message: str, kind: type | None = None) -> tuple[str, str]:
    """msgspec's message -> (dotted field, problem): "$.args.x" becomes "args.x"; an
    unknown or missing field's problem names the fields its object has."""
    if kind is not None and isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        listed = explain_validation(message, kind, "the body")
        if listed is not None:
            return listed
    located = _LOCATED.match(message)
    where, problem = (located.group(2), located.group(1)) if located else ("", message)
    for pattern, what in ((_UNKNOWN, "unknown field"), (_MISSING, "required field is missing")):
        named = pattern.search(problem)
        if named:
            return (f"{where}.{named.group(1)}" if where else named.group(1)), what
    return where, problem


def decode(body: bytes, kind: type[T]) -> T:
    """Decode a request body into ``kind``; a bad body is a 400/422 naming the field."""
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise invalid(*_field_and_problem(str(exc), kind)) from None
    except msgspec.DecodeError as exc:
        raise HTTPError(400, "malformed", f"the body is not valid JSON: {exc}") from None
    except InputError as exc:  # a Struct's own check (an enum given as text, say)
        raise invalid(exc.field, exc.problem) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise HTTPError(400, "malformed", f"the body cannot be read: {exc}") from None
