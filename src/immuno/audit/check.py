"""Verify a stored log end to end: recompute every leaf and node, check every signed
tree head against the pinned authority key, and name the first entry that is wrong."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from immuno.audit import reader
from immuno.audit.errors import AuditError, TamperError
from immuno.audit.treehead import TreeHead
from immuno.audit.verify import LogChecker
from immuno.core.errors import StoreError
from immuno.store.base import Store


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """What a successful verification established."""

    size: int  # entries replayed and found consistent
    signed_size: int  # entries covered by a verified signed tree head
    heads: int  # signed tree heads verified
    root: bytes  # root of the whole log as recomputed

    @property
    def unsigned(self) -> int:
        """Entries after the last signed head: consistent, but no signature vouches yet."""
        return self.size - self.signed_size


def verify_store(
    store: Store,
    public_key: bytes,
    witnessed: Sequence[TreeHead] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Raise :class:`TamperError` naming the first bad entry, or return a :class:`Report`.

    ``witnessed`` are heads kept outside the store (saved earlier, published): the log
    must still hold and agree with them, which catches rows and heads cut off the end.
    ``progress(done, total)`` is told of every entry replayed.
    """
    try:
        sealed = store.query("SELECT 1 FROM immuno_schema WHERE component = 'audit'")
    except StoreError as exc:
        raise TamperError(None, f"the store's schema is unreadable: {exc}") from None
    if not sealed:
        raise AuditError(f"{store.location}: this store holds no audit log")
    unreadable: str | None = None
    try:
        heads = reader.heads(store)
    except (StoreError, TypeError, ValueError) as exc:
        heads, unreadable = [], f"signed tree heads are unreadable: {exc}"
    checker = LogChecker(public_key, [*heads, *witnessed])
    total = _size(store) if progress is not None else 0
    try:
        for seq, entry, hashes in reader.entries(store):
            checker.entry(seq, entry, hashes)
            if progress is not None:
                progress(seq + 1, total)
    except StoreError as exc:  # a damaged file fails mid-read
        raise TamperError(checker.tree.size, f"unreadable from here on: {exc}") from None
    if unreadable is not None:
        raise TamperError(None, unreadable)
    size = checker.finish()
    return Report(
        size=size, signed_size=checker.signed_size, heads=len(heads), root=checker.tree.root()
    )


def _size(store: Store) -> int:
    try:
        return reader.log_size(store)
    except StoreError:  # unreadable: the replay below names where
        return 0
