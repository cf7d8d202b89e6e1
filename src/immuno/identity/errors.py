"""Errors of the identity layer, all under ``immuno.ImmunoError``.

    ImmunoError
    └── IdentityError          an identity check failed; ``code`` names the precise reason
        ├── EnvelopeRejected   a signed envelope did not verify (bad_signature, replay ...)
        ├── TokenRejected      a session token did not verify (expired, revoked, audience ...)
        └── RegistryError      an agent or key operation was refused (unknown agent, exists ...)

The ``code`` of an error becomes the finding code ``identity.<code>``, so operators
see one vocabulary whether a check raised in their code or in the pipeline.
"""

from __future__ import annotations

from immuno.core.errors import ImmunoError


class IdentityError(ImmunoError):
    """An identity check failed. ``code`` is stable and machine-readable."""

    def __init__(self, code: str, problem: str) -> None:
        self.code = code
        self.problem = problem
        super().__init__(f"{code}: {problem}")


class EnvelopeRejected(IdentityError):
    """A signed envelope is forged, replayed, expired, misaddressed or malformed."""


class TokenRejected(IdentityError):
    """A session token is invalid, expired, revoked or for another audience."""


class RegistryError(IdentityError):
    """An operation on the agent registry was refused."""
