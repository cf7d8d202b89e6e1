"""Errors of the audit log, under ``immuno.ImmunoError``.

ImmunoError
└── AuditError              the audit log cannot be trusted or used as asked
    ├── ProofError          an inclusion or consistency proof does not verify
    ├── TreeHeadError       a signed tree head has a bad signature or shape
    └── TamperError         the log differs from what was sealed; names the entry
"""

from __future__ import annotations

from immuno.core.errors import ImmunoError


class AuditError(ImmunoError):
    """The audit log cannot be trusted or used as asked."""


class ProofError(AuditError):
    """An inclusion or consistency proof does not verify."""


class TreeHeadError(AuditError):
    """A signed tree head is malformed or its signature does not verify."""


class TamperError(AuditError):
    """The log is not what was sealed. ``seq`` is the first entry that is wrong
    (or missing); it is ``None`` only when no entry can be named."""

    def __init__(self, seq: int | None, problem: str) -> None:
        self.seq = seq
        self.problem = problem
        where = f"entry {seq}" if seq is not None else "audit log"
        super().__init__(f"{where}: {problem}")
