"""The tamper-evident audit log: every decision sealed into an RFC 9162 Merkle tree
before the caller acts on it, with signed tree heads and inclusion/consistency proofs.

``immuno.audit.verify`` is the standalone verifier a third party can run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.audit.check import Report, verify_store
from immuno.audit.entry import Entry, decode_entry
from immuno.audit.errors import AuditError, ProofError, TamperError, TreeHeadError
from immuno.audit.export import verify_export, write_export
from immuno.audit.log import AuditLog
from immuno.audit.reader import ConsistencyProof, InclusionProof
from immuno.audit.sealer import open_log
from immuno.audit.treehead import TreeHead, verify_tree_head
from immuno.audit.verify import verify_consistency, verify_inclusion
from immuno.core.registry import register_component

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "AuditError",
    "AuditLog",
    "ConsistencyProof",
    "Entry",
    "InclusionProof",
    "ProofError",
    "Report",
    "TamperError",
    "TreeHead",
    "TreeHeadError",
    "decode_entry",
    "open_log",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
    "verify_store",
    "verify_tree_head",
    "write_export",
]


def _build(immune: Immune) -> AuditLog | None:
    return open_log(immune) if immune.config.audit.enabled else None


register_component("audit", 1000, _build)
