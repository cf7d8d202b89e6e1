"""Reading the stored log: entries, stored node hashes, roots, proofs, tree heads.

Row ``seq`` stores its leaf hash followed by the hashes of every perfect subtree that
leaf completes (level 1, 2 ...), so the node covering ``[start, end)`` lives in row
``end - 1`` at offset ``32 * level``. Any root or proof is then O(log n) row reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

import msgspec

from immuno.audit.errors import AuditError
from immuno.audit.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    Range,
    consistency_ranges,
    fold,
    frontier_ranges,
    inclusion_ranges,
    perfect_parts,
)
from immuno.audit.treehead import TreeHead
from immuno.store.base import Cursor, Row, Store

HEAD_COLUMNS = "size, root, timestamp_ms, signature, public_key"


class Reads(Protocol):
    """What the readers below need: a store, or a transaction's cursor (``on_cursor``)."""

    def query(self, sql: str, params: Sequence[Any] = (), /) -> list[Row]: ...


class on_cursor:
    """Reads inside a transaction, on its own connection: a writer holding a lock must
    not wait for a second connection (on a server store that can deadlock)."""

    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor

    def query(self, sql: str, params: Sequence[Any] = (), /) -> list[Row]:
        return list(self.cursor.execute(sql, params).fetchall())


class InclusionProof(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a third party needs to check that entry ``index`` is in the tree."""

    index: int
    size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes


class ConsistencyProof(msgspec.Struct, frozen=True, kw_only=True):
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    path: list[bytes]


def log_size(store: Reads) -> int:
    (last,) = store.query("SELECT max(seq) FROM audit_entries")[0]
    return 0 if last is None else int(last) + 1


def _nodes(store: Reads, ranges: Iterable[Range]) -> dict[Range, bytes]:
    """Stored hashes of perfect subtrees, read in one query."""
    wanted = {r: r[1] - 1 for r in ranges}
    if not wanted:
        return {}
    rows_needed = sorted(set(wanted.values()))
    marks = ",".join("?" * len(rows_needed))
    rows: dict[int, bytes] = dict(
        store.query(f"SELECT seq, hashes FROM audit_entries WHERE seq IN ({marks})", rows_needed)
    )
    found: dict[Range, bytes] = {}
    for (start, end), row in wanted.items():
        level = (end - start).bit_length() - 1
        blob = rows.get(row)
        node = blob[HASH_SIZE * level : HASH_SIZE * (level + 1)] if blob is not None else b""
        if len(node) != HASH_SIZE:
            raise AuditError(f"entry {row}: stored hashes are missing or short; run verify")
        found[(start, end)] = node
    return found


def range_hashes(store: Reads, ranges: list[Range]) -> list[bytes]:
    """MTH of each range (any size), from stored perfect-subtree nodes."""
    split = [perfect_parts(start, end) for start, end in ranges]
    nodes = _nodes(store, (part for parts in split for part in parts))
    return [fold([nodes[part] for part in parts]) for parts in split]


def _check_size(store: Store, size: int | None) -> int:
    current = log_size(store)
    if size is None:
        return current
    if not 0 <= size <= current:
        raise AuditError(f"tree size {size} is outside the log (0..{current})")
    return size


def root_at(store: Store, size: int) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return range_hashes(store, [(0, size)])[0]


def load_tree(store: Reads, size: int) -> CompactRange:
    """The compact range of the first ``size`` entries, from O(log n) stored nodes."""
    parts = frontier_ranges(size)
    nodes = _nodes(store, parts)
    return CompactRange(size, [nodes[part] for part in parts])


def inclusion_proof(store: Store, index: int, size: int | None = None) -> InclusionProof:
    size = _check_size(store, size)
    if not 0 <= index < size:
        raise AuditError(f"entry {index} is not in a tree of size {size}")
    ranges = inclusion_ranges(index, size)
    hashes = range_hashes(store, [(index, index + 1), (0, size), *ranges])
    return InclusionProof(
        index=index, size=size, leaf_hash=hashes[0], root=hashes[1], path=hashes[2:]
    )


def consistency_proof(store: Store, size1: int, size2: int | None = None) -> ConsistencyProof:
    size2 = _check_size(store, size2)
    if not 0 <= size1 <= size2:
        raise AuditError(f"no consistency proof from size {size1} to size {size2}")
    ranges = consistency_ranges(size1, size2)
    roots = [root_at(store, size1), root_at(store, size2)]
    return ConsistencyProof(
        size1=size1,
        size2=size2,
        root1=roots[0],
        root2=roots[1],
        path=range_hashes(store, ranges),
    )


def entry_at(store: Store, seq: int) -> bytes:
    rows = store.query("SELECT entry FROM audit_entries WHERE seq = ?", (seq,))
    if not rows:
        raise AuditError(f"entry {seq} is not in the log (size {log_size(store)})")
    return _blob(rows[0][0])


def entries(store: Store, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
    """(seq, entry, stored hashes) in order, streamed."""
    sql = "SELECT seq, entry, hashes FROM audit_entries WHERE seq >= ? ORDER BY seq"
    for seq, entry, hashes in store.iterate(sql, (start,)):
        yield seq, _blob(entry), _blob(hashes)


def _blob(value: object) -> bytes:
    """A BLOB column as bytes; a hand-edited row may hold TEXT (or anything)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogateescape")


def heads(store: Store) -> list[TreeHead]:
    rows = store.query(f"SELECT {HEAD_COLUMNS} FROM audit_heads ORDER BY size, timestamp_ms")
    return [_head(row) for row in rows]


def latest_head(store: Reads) -> TreeHead | None:
    rows = store.query(
        f"SELECT {HEAD_COLUMNS} FROM audit_heads ORDER BY size DESC, timestamp_ms DESC LIMIT 1"
    )
    return _head(rows[0]) if rows else None


def _head(row: tuple[object, ...]) -> TreeHead:
    size, root, timestamp_ms, signature, public_key = row
    if not isinstance(size, int) or not isinstance(timestamp_ms, int):
        raise ValueError(f"tree head row holds a non-integer size or time: {row!r}")
    return TreeHead(
        size=size,
        root=_blob(root),
        timestamp_ms=timestamp_ms,
        signature=_blob(signature),
        public_key=_blob(public_key),
    )
