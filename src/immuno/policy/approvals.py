"""Approval requests for held tool calls, kept in the store.

A request is created when a tool call's final verdict is ``hold``. An operator
approves or denies it (Python API or ``immuno approvals``). An approved request
lets through exactly one call: the same agent, tool and arguments (compared by a
SHA-256 digest of their canonical JSON), presented with the request id. Claiming it
is one conditional UPDATE, so two racing calls cannot both use it.

    pending --approve--> approved --claim--> used
        \\--deny-->  denied
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from immuno.core.errors import InputError
from immuno.policy.schema import SCHEMA
from immuno.store.base import Store

STATUSES = ("pending", "approved", "denied", "used")
_COLUMNS = "id, created, agent, tool, args, trace, reason, status, decided_at, decided_by, note"


def call_digest(agent: str, tool: str, args: Mapping[str, Any]) -> str:
    canonical = msgspec.json.encode({"agent": agent, "tool": tool, "args": args}, order="sorted")
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class Approval:
    id: str
    created: float
    agent: str
    tool: str
    args: str  # canonical JSON
    trace: str | None
    reason: str
    status: str
    decided_at: float | None
    decided_by: str | None
    note: str | None


class Approvals:
    """The approval book. ``clock`` is the pipeline's injected clock."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        store.migrate("policy", SCHEMA)

    def create(
        self,
        request_id: str,
        agent: str,
        tool: str,
        args: Mapping[str, Any],
        trace: str | None,
        reason: str,
    ) -> None:
        encoded = msgspec.json.encode(args, order="sorted").decode()
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO policy_approvals (id, created, agent, tool, args, digest, trace, "
                "reason, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                (
                    request_id,
                    self.clock(),
                    agent,
                    tool,
                    encoded,
                    call_digest(agent, tool, args),
                    trace,
                    reason,
                ),
            )

    def get(self, request_id: str) -> Approval | None:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM policy_approvals WHERE id = ?", (request_id,)
        )
        return Approval(*rows[0]) if rows else None

    def list(self, status: str | None = None, limit: int = 100) -> list[Approval]:
        if status is not None and status not in STATUSES:
            raise InputError("status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
        where = "WHERE status = ?" if status else ""
        params: tuple[Any, ...] = (status, limit) if status else (limit,)
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM policy_approvals {where} ORDER BY created DESC LIMIT ?",
            params,
        )
        return [Approval(*row) for row in rows]

    def approve(self, request_id: str, by: str = "operator", note: str | None = None) -> Approval:
        return self._decide(request_id, "approved", by, note)

    def deny(self, request_id: str, by: str = "operator", note: str | None = None) -> Approval:
        return self._decide(request_id, "denied", by, note)

    def _decide(self, request_id: str, status: str, by: str, note: str | None) -> Approval:
        with self.store.transaction() as cur:
            changed = cur.execute(
                "UPDATE policy_approvals SET status = ?, decided_at = ?, decided_by = ?, "
                "note = ? WHERE id = ? AND status = 'pending'",
                (status, self.clock(), by, note, request_id),
            ).rowcount
        approval = self.get(request_id)
        if approval is None:
            raise InputError("approval", f"no approval request {request_id!r}")
        if not changed:
            raise InputError("approval", f"{request_id} is already {approval.status}")
        return approval

    def claim(self, request_id: str, agent: str, tool: str, args: Mapping[str, Any]) -> str | None:
        """Use an approval for this exact call; None on success, else why it cannot be."""
        approval = self.get(request_id)
        if approval is None:
            return f"no approval request {request_id!r}"
        if approval.status != "approved":
            return f"approval {request_id} is {approval.status}"
        digest = call_digest(agent, tool, args)
        with self.store.transaction() as cur:
            changed = cur.execute(
                "UPDATE policy_approvals SET status = 'used' "
                "WHERE id = ? AND status = 'approved' AND digest = ?",
                (request_id, digest),
            ).rowcount
        if not changed:
            return f"approval {request_id} was granted for a different call (agent, tool or args)"
        return None
