"""The standalone verifier: published proofs pass, every corruption raises."""

from __future__ import annotations

import pytest

from immuno.audit.errors import ProofError, TreeHeadError
from immuno.audit.merkle import leaf_hash
from immuno.audit.treehead import TreeHead, head_message, verify_tree_head
from immuno.audit.verify import root_from_inclusion, verify_consistency, verify_inclusion
from immuno.core.authority import Authority
from tests.audit import vectors

pytestmark = pytest.mark.no_store  # opens no store

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _leaf(index: int) -> bytes:
    return leaf_hash(vectors.LEAF_INPUTS[index])


@pytest.mark.parametrize(("index", "size", "proof"), vectors.INCLUSION_PROOFS)
def test_published_inclusion_proofs_verify(index: int, size: int, proof: list[bytes]) -> None:
    root = vectors.ROOTS[size]
    assert root_from_inclusion(index, size, _leaf(index), proof) == root
    verify_inclusion(index, size, _leaf(index), proof, root)


def _inclusion_corruptions(
    index: int, size: int, proof: list[bytes]
) -> list[tuple[int, int, bytes, list[bytes], bytes]]:
    root, leaf = vectors.ROOTS[size], _leaf(index)
    probes = [
        (index + 1, size, leaf, proof, root),
        (index ^ 2, size, leaf, proof, root),
        (index, size * 2, leaf, proof, root),
        (index, size // 2, leaf, proof, root),
        (index, size, leaf_hash(b"wrong leaf"), proof, root),
        (index, size, leaf, proof, vectors.EMPTY_ROOT),
        (index, size, leaf, proof, SOME_HASH),
        (index, size, leaf, [*proof, root], root),
        (index, size, leaf, [root, *proof], root),
        (index, size, leaf, [*proof, b""], root),
    ]
    if index > 0:
        probes.append((index - 1, size, leaf, proof, root))
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, leaf, flipped, root))
    if proof:
        probes.append((index, size, leaf, proof[:-1], root))
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), vectors.INCLUSION_PROOFS)
def test_corrupted_inclusion_proofs_raise(index: int, size: int, proof: list[bytes]) -> None:
    for probe in _inclusion_corruptions(index, size, proof):
        with pytest.raises(ProofError):
            verify_inclusion(*probe)


@pytest.mark.parametrize(("size1", "size2", "proof"), vectors.CONSISTENCY_PROOFS)
def test_published_consistency_proofs_verify(size1: int, size2: int, proof: list[bytes]) -> None:
    verify_consistency(size1, size2, vectors.ROOTS[size1], vectors.ROOTS[size2], proof)


@pytest.mark.parametrize(("size1", "size2", "proof"), vectors.CONSISTENCY_PROOFS[1:])
def test_corrupted_consistency_proofs_raise(size1: int, size2: int, proof: list[bytes]) -> None:
    r1, r2 = vectors.ROOTS[size1], vectors.ROOTS[size2]
    probes = [
        (size1 - 1, size2, r1, r2, proof),
        (size1 + 1, size2, r1, r2, proof),
        (size1 ^ 2, size2, r1, r2, proof),
        (size1, size2 * 2, r1, r2, proof),
        (size1, size2 // 2, r1, r2, proof),
        (size1, size2, SOME_HASH, r2, proof),
        (size1, size2, r1, SOME_HASH, proof),
        (size1, size2, r2, r1, proof),
        (size1, size2, r1, r2, []),
        (size1, size2, r1, r2, [*proof, r1]),
        (size1, size2, r1, r2, [*proof, r2]),
        (size1, size2, r1, r2, [r1, *proof]),
        (size1, size2, r1, r2, [proof[0], *proof]),
        (size1, size2, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((size1, size2, r1, r2, flipped))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_trivial_consistency_cases() -> None:
    empty, one = vectors.EMPTY_ROOT, vectors.ROOTS[1]
    verify_consistency(0, 0, empty, empty, [])
    verify_consistency(0, 5, empty, vectors.ROOTS[5], [])
    verify_consistency(1, 1, one, one, [])
    for probe in [
        (1, 1, one, vectors.ROOTS[2], []),  # two roots for one size
        (0, 1, empty, one, [empty]),  # non-empty trivial proof
        (2, 1, one, one, []),  # time travel
        (1, 2, one, vectors.ROOTS[2], []),  # empty proof
    ]:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_tree_head_signature_is_checked_against_the_pinned_key() -> None:
    authority, other = Authority.generate(), Authority.generate()
    root = vectors.ROOTS[8]
    head = TreeHead(
        size=8,
        root=root,
        timestamp_ms=1_700_000_000_000,
        signature=authority.sign(head_message(8, root, 1_700_000_000_000)),
        public_key=authority.public_bytes,
    )
    verify_tree_head(head, authority.public_bytes)
    with pytest.raises(TreeHeadError, match="not the expected"):
        verify_tree_head(head, other.public_bytes)
    forged = TreeHead(
        size=8,
        root=root,
        timestamp_ms=1_700_000_000_000,
        signature=other.sign(head.message()),
        public_key=authority.public_bytes,
    )
    with pytest.raises(TreeHeadError, match="does not verify"):
        verify_tree_head(forged, authority.public_bytes)
    resized = TreeHead(
        size=7,
        root=root,
        timestamp_ms=head.timestamp_ms,
        signature=head.signature,
        public_key=head.public_key,
    )
    with pytest.raises(TreeHeadError):
        verify_tree_head(resized, authority.public_bytes)
