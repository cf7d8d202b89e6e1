"""The tamper-evident audit log: every decision sealed into an RFC 9162 Merkle tree
before the caller acts on it, with signed tree heads and inclusion/consistency proofs.

What it guarantees
    ``Immune.check`` seals (signal, verdict) and puts the entry's sequence number in
    ``verdict.seq``; no sequence number is ever returned before the COMMIT holding
    the entry has returned. ``audit.durability: normal`` (SQLite WAL,
    synchronous=NORMAL) survives a process crash but not an OS crash or power loss;
    ``full`` fsyncs every commit and survives power loss. Concurrent sealers share
    commits (group commit); ``AuditLog.seal_many`` seals a batch in one commit.

What it detects
    ``verify`` recomputes every leaf and node hash and checks every signed tree head
    against the pinned authority key. A hand edit, deletion, insertion, reordering or
    truncation names the first bad entry; a forger who also rewrites every stored hash
    is caught by the next signed tree head (the error names the first entry it no
    longer vouches for). Entries after the newest signed head are only as trustworthy
    as the store until the next head is signed; removing rows *and* heads at the tail
    is visible only against a head kept elsewhere (an export, a published head).

Third parties
    ``immuno.audit.verify`` holds pure verifier functions (no store access), and
    ``verify_export`` checks an ``immuno audit export`` file offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.audit.check import Report, verify_store
from immuno.audit.entry import Entry, decode_entry
from immuno.audit.errors import AuditError, ProofError, TamperError, TreeHeadError
from immuno.audit.export import export_lines, verify_export, write_export
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
    "export_lines",
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
