"""Signed tree heads: the log's size and root, signed with the authority key (Ed25519).

The signed message is a small text "checkpoint" (in the spirit of the C2SP
tlog-checkpoint note used by Go's transparency logs), so a third party can rebuild it
from the four fields alone::

    immuno-audit/v1
    <tree size, decimal>
    <root hash, base64>
    <timestamp, milliseconds since the epoch, decimal>
"""

from __future__ import annotations

import base64

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from immuno.audit.errors import TreeHeadError
from immuno.audit.merkle import HASH_SIZE

HEAD_ORIGIN = "immuno-audit/v1"


class TreeHead(msgspec.Struct, frozen=True, kw_only=True):
    """A signed statement: "the log had ``size`` entries with root ``root``"."""

    size: int
    root: bytes
    timestamp_ms: int
    signature: bytes
    public_key: bytes

    def message(self) -> bytes:
        return head_message(self.size, self.root, self.timestamp_ms)


def head_message(size: int, root: bytes, timestamp_ms: int) -> bytes:
    if size < 0 or len(root) != HASH_SIZE or timestamp_ms < 0:
        raise TreeHeadError(f"malformed tree head (size {size}, root of {len(root)} bytes)")
    root_b64 = base64.b64encode(root).decode()
    return f"{HEAD_ORIGIN}\n{size}\n{root_b64}\n{timestamp_ms}\n".encode()


def verify_tree_head(head: TreeHead, public_key: bytes) -> None:
    """Raise :class:`TreeHeadError` unless ``head`` is signed by ``public_key``
    (the raw 32-byte Ed25519 key you pinned, not the one the head claims)."""
    if head.public_key != public_key:
        raise TreeHeadError(
            f"tree head at size {head.size} is signed by key {head.public_key.hex()[:16]}..., "
            f"not the expected {public_key.hex()[:16]}..."
        )
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(head.signature, head.message())
    except (InvalidSignature, ValueError):
        raise TreeHeadError(f"tree head at size {head.size}: signature does not verify") from None


def head_to_json(head: TreeHead) -> dict[str, object]:
    """A head as JSON-ready values (hex for bytes), the form exports and the CLI use."""
    return {
        "size": head.size,
        "root": head.root.hex(),
        "timestamp_ms": head.timestamp_ms,
        "signature": head.signature.hex(),
        "public_key": head.public_key.hex(),
    }


def head_from_json(data: object) -> TreeHead:
    """Parse :func:`head_to_json`'s form; a malformed head is a :class:`TreeHeadError`."""
    try:
        if not isinstance(data, dict):
            raise TypeError("not an object")
        return TreeHead(
            size=int(data["size"]),
            root=bytes.fromhex(data["root"]),
            timestamp_ms=int(data["timestamp_ms"]),
            signature=bytes.fromhex(data["signature"]),
            public_key=bytes.fromhex(data["public_key"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TreeHeadError(f"not a tree head: {exc}") from None
