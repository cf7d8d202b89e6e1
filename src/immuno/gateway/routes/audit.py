"""The audit log over HTTP: a signed tree head and the proofs a third party checks
against it (:mod:`immuno.audit.verify`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from immuno.audit import AuditError, AuditLog, TreeHead
from immuno.gateway.replies import invalid, reply, unavailable
from immuno.gateway.routes.spec import Api, Param
from immuno.gateway.schemas import ConsistencyOut, InclusionOut, TreeHeadOut
from immuno.gateway.service import Gateway, optional_int, query_int


def _log(gateway: Gateway) -> AuditLog:
    try:
        log = gateway.immune.layer("audit")
    except KeyError:
        raise unavailable("the audit log is disabled (audit.enabled: false)") from None
    if not isinstance(log, AuditLog):
        raise unavailable("the configured sealer is not an immuno audit log")
    return log


def _current_head(log: AuditLog) -> TreeHead:
    """The newest signed head, signing one when entries were sealed since."""
    head = log.latest_head()
    if head is None or head.size != log.size:
        head = log.sign_head()
    return head


def _head_out(head: TreeHead) -> TreeHeadOut:
    return TreeHeadOut(
        size=head.size,
        root=head.root.hex(),
        timestamp_ms=head.timestamp_ms,
        signature=head.signature.hex(),
        public_key=head.public_key.hex(),
    )


async def head(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request)
    return reply(_head_out(_current_head(_log(gateway))))


async def inclusion(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request)
    log = _log(gateway)
    seq = query_int(request, "seq")
    size = optional_int(request, "size")
    if size is None:
        size = _current_head(log).size
    try:
        proof = log.inclusion_proof(seq, size)
    except AuditError as exc:
        raise invalid("seq", str(exc)) from None
    return reply(
        InclusionOut(
            seq=proof.index,
            size=proof.size,
            leaf_hash=proof.leaf_hash.hex(),
            path=[node.hex() for node in proof.path],
            root=proof.root.hex(),
        )
    )


async def consistency(gateway: Gateway, request: Request) -> Response:
    gateway.admit(request)
    log = _log(gateway)
    first = query_int(request, "first")
    second = optional_int(request, "second")
    if second is None:
        second = _current_head(log).size
    try:
        proof = log.consistency_proof(first, second)
    except AuditError as exc:
        raise invalid("first", str(exc)) from None
    return reply(
        ConsistencyOut(
            first=proof.size1,
            second=proof.size2,
            first_root=proof.root1.hex(),
            second_root=proof.root2.hex(),
            path=[node.hex() for node in proof.path],
        )
    )


API = (
    Api(
        "GET",
        "/v1/audit/head",
        head,
        "The signed tree head of the log (signed now if entries were sealed since the last)",
        reply=TreeHeadOut,
    ),
    Api(
        "GET",
        "/v1/audit/proof/inclusion",
        inclusion,
        "RFC 9162 inclusion proof of entry `seq` in the tree of `size` entries",
        reply=InclusionOut,
        params=(
            Param("seq", "integer", "the entry (a verdict's seq)", True, minimum=0),
            Param("size", "integer", "tree size (default: the current signed head)", minimum=0),
        ),
    ),
    Api(
        "GET",
        "/v1/audit/proof/consistency",
        consistency,
        "RFC 9162 consistency proof from tree size `first` to `second`",
        reply=ConsistencyOut,
        params=(
            Param("first", "integer", "the older tree size", True, minimum=0),
            Param(
                "second", "integer", "the newer tree size (default: the current head)", minimum=0
            ),
        ),
    ),
)
