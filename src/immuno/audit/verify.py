"""The standalone verifier: pure functions a third party can run with no store.

``verify_inclusion`` and ``verify_consistency`` implement RFC 9162 §2.1.3.2 and
§2.1.4.2 step by step; ``LogChecker`` replays a whole exported or stored log (entries
in order plus signed tree heads) and names the first entry that is wrong. Every
check raises (:class:`ProofError`, :class:`TreeHeadError`, :class:`TamperError`)
instead of returning a bool, so a forgotten ``if`` cannot pass a forgery.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from immuno.audit.errors import ProofError, TamperError, TreeHeadError
from immuno.audit.merkle import EMPTY_ROOT, HASH_SIZE, CompactRange, leaf_hash, node_hash
from immuno.audit.treehead import TreeHead, verify_tree_head


def _check_hashes(proof: Sequence[bytes], *hashes: bytes) -> None:
    for item in (*proof, *hashes):
        if len(item) != HASH_SIZE:
            raise ProofError(f"hash of {len(item)} bytes where SHA-256 has {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1-4)."""
    _check_hashes(proof, leaf)
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is high")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``leaf`` is leaf ``index`` of the tree ``root``."""
    computed = root_from_inclusion(index, size, leaf, proof)
    if not hmac.compare_digest(computed, root):
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless tree ``root2`` extends tree ``root1``
    (RFC 9162 §2.1.4.2; the trivial cases 0 and size1 == size2 need an empty proof)."""
    _check_hashes(proof, root1, root2)
    if not 0 <= size1 <= size2:
        raise ProofError(f"size {size2} cannot extend size {size1}")
    if size1 == size2 or size1 == 0:
        if proof:
            raise ProofError("a trivial consistency proof must be empty")
        if size1 == size2 and not hmac.compare_digest(root1, root2):
            raise ProofError(f"two different roots for the same size {size1}")
        if size1 == 0 and not hmac.compare_digest(root1, EMPTY_ROOT):
            raise ProofError("root of the empty tree is not SHA-256 of nothing")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 2: size1 is a power of two
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is high")
    if not hmac.compare_digest(fr, root1):
        raise ProofError(f"consistency proof does not lead to the root at size {size1}")
    if not hmac.compare_digest(sr, root2):
        raise ProofError(f"consistency proof does not lead to the root at size {size2}")


def entry_prefix(seq: int) -> bytes:
    """Every canonical entry opens with its own sequence number, so a moved row shows."""
    return b'{"v":1,"seq":%d,' % seq


class LogChecker:
    """Replays a log in order: every entry, every stored hash, every signed tree head.

    Feed entries with :meth:`entry` (seq 0, 1, 2 ...) and then call :meth:`finish`
    with all tree heads. The first inconsistency raises :class:`TamperError` naming
    the first entry that is wrong. Heads are checked as soon as the replay reaches
    their size, so an edit shows at the earliest entry the evidence can pin.
    """

    def __init__(self, public_key: bytes, heads: Sequence[TreeHead]) -> None:
        self.public_key = public_key
        self.tree = CompactRange()
        self.heads = sorted(heads, key=lambda h: (h.size, h.timestamp_ms))
        self._next_head = 0
        self._last_time = -1
        self._verified_size = 0
        for head in self.heads:
            try:
                verify_tree_head(head, public_key)
            except TreeHeadError as exc:
                raise TamperError(max(head.size - 1, 0), str(exc)) from None
        self._check_heads()

    def entry(self, seq: int, entry: bytes, stored: bytes | None = None) -> None:
        """Check entry ``seq``; ``stored`` is its stored hashes (leaf + completed nodes)."""
        size = self.tree.size
        if seq != size:
            missing = min(seq, size)
            raise TamperError(missing, f"expected entry {size} next, found entry {seq}")
        if not entry.startswith(entry_prefix(seq)):
            raise TamperError(seq, "entry does not carry its own sequence number")
        leaf = leaf_hash(entry)
        completed = self.tree.append(leaf)
        if stored is not None and stored != leaf + b"".join(completed):
            what = "leaf hash" if stored[:HASH_SIZE] != leaf else "tree node hashes"
            raise TamperError(seq, f"stored {what} do not match the entry")
        self._check_heads()

    def _check_heads(self) -> None:
        size = self.tree.size
        while self._next_head < len(self.heads) and self.heads[self._next_head].size == size:
            head = self.heads[self._next_head]
            if not hmac.compare_digest(head.root, self.tree.root()):
                first = self._verified_size
                raise TamperError(
                    first,
                    f"entries {first}..{size - 1} do not hash to the root of the signed "
                    f"tree head at size {size}",
                )
            if head.timestamp_ms < self._last_time:
                raise TamperError(max(size - 1, 0), "signed tree heads go back in time")
            self._last_time = head.timestamp_ms
            self._verified_size = size
            self._next_head += 1

    def finish(self) -> int:
        """After the last entry: fail if a signed head names entries that are gone."""
        if self._next_head < len(self.heads):
            head = self.heads[self._next_head]
            raise TamperError(
                self.tree.size,
                f"missing: a signed tree head covers {head.size} entries, "
                f"the log holds {self.tree.size}",
            )
        return self.tree.size

    @property
    def signed_size(self) -> int:
        """How many entries the verified signed tree heads cover."""
        return self._verified_size
