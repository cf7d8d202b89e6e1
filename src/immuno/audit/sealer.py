"""The pipeline's sealer: the audit log opened from an Immune's store and ``audit:`` config.

It is opened when the pipeline is built, so the first decision does not pay for
opening files and a store that cannot be written is an error at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from immuno.audit.log import AuditLog
from immuno.store import open_store

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune


def open_log(immune: Immune) -> AuditLog:
    """The audit log of ``immune``'s store, configured by its ``audit:`` section.

    A SQLite file gets a connection of its own, so ``audit.durability`` sets the
    fsync policy of audit commits only; ``:memory:`` must share the one connection,
    and a server store's pool has connections to spare.
    """
    config = immune.config.audit
    shared = immune.store
    own = shared.dialect == "sqlite" and shared.location != ":memory:"
    store = open_store(shared.location) if own else shared
    return AuditLog(
        store,
        immune.authority,
        clock=immune.clock,
        store_content=config.store_content,
        head_every=config.head_every,
        head_interval=config.head_interval,
        durability=config.durability,
        owns_store=own,
    )
