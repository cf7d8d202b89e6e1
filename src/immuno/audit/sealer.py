"""The pipeline's sealer: opens the audit log on first use, from the Immune's config."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from immuno.audit.log import AuditLog
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.store import open_store

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune


def open_log(immune: Immune) -> AuditLog:
    """The audit log of ``immune``'s store, configured by its ``audit:`` section.

    A file store gets a connection of its own, so ``audit.durability`` sets the
    fsync policy of audit commits only; ``:memory:`` must share the one connection.
    """
    config = immune.config.audit
    shared = immune.store
    store = shared if shared.location == ":memory:" else open_store(shared.location)
    return AuditLog(
        store,
        immune.authority,
        clock=immune.clock,
        store_content=config.store_content,
        head_every=config.head_every,
        head_interval=config.head_interval,
        durability=config.durability,
    )


class AuditSealer:
    """Seals each decision before the caller acts. The log is opened lazily, so
    building an ``Immune`` touches no file until the first decision."""

    name = "audit"

    def __init__(self, immune: Immune) -> None:
        self._immune = immune
        self._log: AuditLog | None = None
        self._lock = threading.Lock()

    @property
    def log(self) -> AuditLog:
        if self._log is None:
            with self._lock:
                if self._log is None:
                    self._log = open_log(self._immune)
        return self._log

    def seal(self, signal: Signal, verdict: Verdict) -> int:
        return self.log.seal(signal, verdict)
