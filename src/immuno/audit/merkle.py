"""Merkle tree hashing of RFC 9162 (Certificate Transparency v2), section 2.1.

    leaf hash  = SHA-256(0x00 || entry)            (RFC 9162 §2.1.1)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256()                         the empty tree
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))    k = largest power of two < n

The distinct prefixes keep a leaf from ever being read as a node (second preimage).
Proof construction follows PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1). Every subtree
those algorithms name is a range ``[start, end)``; a range whose size is a power of
two is always aligned, so it is one stored node, and any other range is the right
fold of the perfect subtrees it decomposes into (``perfect_parts``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, written as the RFC's recursion (the reference, O(n))."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def fold(parts: Sequence[bytes]) -> bytes:
    """Hash of a range from its perfect subtrees, largest (leftmost) first."""
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


def perfect_parts(start: int, end: int) -> list[Range]:
    """The perfect subtrees a range ``[start, end)`` of the RFC recursion splits into."""
    parts: list[Range] = []
    while end - start > 1 and (end - start) & (end - start - 1):
        k = _split(end - start)
        parts.append((start, start + k))
        start += k
    parts.append((start, end))
    return parts


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form PATH(index, D[size]), bottom-up (§2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    return path[::-1]


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """The subtrees whose hashes form PROOF(size1, D[size2]) (§2.1.4.1)."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    proof: list[Range] = []
    start, end, complete = 0, size2, True
    while True:
        if size1 == end - start:
            if not complete:
                proof.append((start, end))
            break
        k = _split(end - start)
        if size1 <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            size1 -= k
            start += k
            complete = False
    return proof[::-1]


class CompactRange:
    """The right frontier of a growing tree: the roots of its perfect subtrees.

    ``append`` costs O(log n) hashes amortised O(1); ``root`` folds the frontier.
    """

    __slots__ = ("frontier", "size")

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        if len(frontier) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier hashes")
        self.size = size
        self.frontier = list(frontier)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add a leaf hash; return the nodes it completes, lowest level first."""
        completed: list[bytes] = []
        node, n, frontier = leaf, self.size, self.frontier
        while n & 1:
            node = hashlib.sha256(b"\x01" + frontier.pop() + node).digest()
            completed.append(node)
            n >>= 1
        frontier.append(node)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold(self.frontier) if self.frontier else EMPTY_ROOT

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.frontier)


def frontier_ranges(size: int) -> list[Range]:
    """The perfect subtrees of a tree of ``size`` leaves, largest first."""
    return perfect_parts(0, size) if size else []
