"""Merkle hashing and proof construction against the published RFC 6962/9162 vectors,
and against the RFC's own recursive definitions for every small tree."""

from __future__ import annotations

import hashlib

import pytest

from immuno.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    perfect_parts,
    root_of,
)
from tests.audit import vectors

pytestmark = pytest.mark.no_store  # opens no store


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(b"entry %d" % i) for i in range(n)]


def _mth(leaves: list[bytes], start: int, end: int) -> bytes:
    return root_of(leaves[start:end])


def test_leaf_and_node_hashes_match_the_published_vectors() -> None:
    assert [leaf_hash(x) for x in vectors.LEAF_INPUTS] == vectors.NODE_HASHES[0]
    for level in range(1, 4):
        below = vectors.NODE_HASHES[level - 1]
        expected = [node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(below) // 2)]
        assert expected == vectors.NODE_HASHES[level]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = vectors.NODE_HASHES[0][:2]
    assert leaf_hash(a + b) != node_hash(a, b)
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert EMPTY_ROOT == vectors.EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_published_vectors(size: int) -> None:
    leaves = [leaf_hash(x) for x in vectors.LEAF_INPUTS[:size]]
    assert root_of(leaves) == vectors.ROOTS[size]
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf)
    assert tree.root() == vectors.ROOTS[size]


def test_compact_range_reports_the_nodes_each_leaf_completes() -> None:
    tree = CompactRange()
    completed = [tree.append(leaf_hash(x)) for x in vectors.LEAF_INPUTS]
    assert completed[0] == []
    assert completed[1] == [vectors.NODE_HASHES[1][0]]
    assert completed[3] == [vectors.NODE_HASHES[1][1], vectors.NODE_HASHES[2][0]]
    assert completed[7] == [
        vectors.NODE_HASHES[1][3],
        vectors.NODE_HASHES[2][1],
        vectors.NODE_HASHES[3][0],
    ]


def test_compact_range_rejects_a_frontier_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="frontier"):
        CompactRange(3, [EMPTY_ROOT])


@pytest.mark.parametrize(("index", "size", "proof"), vectors.INCLUSION_PROOFS)
def test_inclusion_paths_match_the_published_vectors(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaves = [leaf_hash(x) for x in vectors.LEAF_INPUTS]
    assert [_mth(leaves, s, e) for s, e in inclusion_ranges(index, size)] == proof


@pytest.mark.parametrize(("size1", "size2", "proof"), vectors.CONSISTENCY_PROOFS)
def test_consistency_proofs_match_the_published_vectors(
    size1: int, size2: int, proof: list[bytes]
) -> None:
    leaves = [leaf_hash(x) for x in vectors.LEAF_INPUTS]
    assert [_mth(leaves, s, e) for s, e in consistency_ranges(size1, size2)] == proof


def _path(leaves: list[bytes], m: int) -> list[bytes]:
    """PATH(m, D[n]) written as RFC 9162 §2.1.3.1's recursion (an independent oracle)."""
    n = len(leaves)
    if n <= 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*_path(leaves[:k], m), root_of(leaves[k:])]
    return [*_path(leaves[k:], m - k), root_of(leaves[:k])]


def _subproof(leaves: list[bytes], m: int, complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1, as written."""
    n = len(leaves)
    if m == n:
        return [] if complete else [root_of(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(leaves[:k], m, complete), root_of(leaves[k:])]
    return [*_subproof(leaves[k:], m - k, False), root_of(leaves[:k])]


def test_proofs_match_the_rfc_recursion_for_every_small_tree() -> None:
    leaves = _leaves(33)
    for size in range(1, 34):
        for index in range(size):
            got = [_mth(leaves, s, e) for s, e in inclusion_ranges(index, size)]
            assert got == _path(leaves[:size], index), (index, size)
        for size1 in range(1, size):
            got = [_mth(leaves, s, e) for s, e in consistency_ranges(size1, size)]
            assert got == _subproof(leaves[:size], size1, True), (size1, size)


def test_every_range_folds_from_its_perfect_parts() -> None:
    # The ranges the RFC recursion produces start on a multiple of a power of two at
    # least as wide as they are: [0, n), or [8k, 8k + w) with w <= 8.
    leaves = _leaves(40)
    ranges = [(0, n) for n in range(1, 41)]
    ranges += [(s, s + w) for s in range(8, 40, 8) for w in range(1, 9)]
    for start, end in ranges:
        parts = perfect_parts(start, end)
        assert parts[0][0] == start and parts[-1][1] == end
        for s, e in parts:
            width = e - s
            assert width & (width - 1) == 0 and s % width == 0  # perfect and aligned
        assert fold([root_of(leaves[s:e]) for s, e in parts]) == root_of(leaves[start:end])


def test_proof_ranges_reject_impossible_sizes() -> None:
    with pytest.raises(ValueError):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        consistency_ranges(4, 3)
    assert consistency_ranges(0, 5) == [] and consistency_ranges(5, 5) == []
