"""Export the log as JSON lines that anyone can verify offline.

Format ``immuno-audit-export/v1``, one JSON object per line::

    {"format":"immuno-audit-export/v1","public_key":"<hex>"}
    {"seq":0,"entry":"<the exact entry bytes, as a JSON string>"}      x N, in order
    {"head":{"size":..,"root":"<hex>","timestamp_ms":..,"signature":"<hex>","public_key":"<hex>"}}

To check an export by hand: leaf = SHA-256(0x00 || entry) per RFC 9162 §2.1.1, the
root of the first ``size`` leaves must equal each head's root, and each head's
Ed25519 signature covers the text message described in ``immuno.audit.treehead``.
``verify_export`` does exactly that with no access to the store; pin the key you
expect with ``public_key=`` rather than trusting the one the file announces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

import msgspec

from immuno.audit import reader
from immuno.audit.check import Report
from immuno.audit.errors import AuditError, TamperError
from immuno.audit.treehead import TreeHead
from immuno.audit.verify import LogChecker
from immuno.store.base import Store

EXPORT_FORMAT = "immuno-audit-export/v1"


class _Head(msgspec.Struct, frozen=True):
    size: int
    root: str
    timestamp_ms: int
    signature: str
    public_key: str


class _Line(msgspec.Struct, frozen=True, omit_defaults=True):
    format: str | None = None
    public_key: str | None = None
    seq: int | None = None
    entry: str | None = None
    head: _Head | None = None


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_Line).decode


def export_lines(store: Store, public_key: bytes) -> Iterator[bytes]:
    """The export, line by line (streamed: bounded memory for any log size)."""
    yield _encode(_Line(format=EXPORT_FORMAT, public_key=public_key.hex()))
    for seq, entry, _hashes in reader.entries(store):
        yield _encode(_Line(seq=seq, entry=entry.decode("utf-8")))
    for head in reader.heads(store):
        yield _encode(
            _Line(
                head=_Head(
                    size=head.size,
                    root=head.root.hex(),
                    timestamp_ms=head.timestamp_ms,
                    signature=head.signature.hex(),
                    public_key=head.public_key.hex(),
                )
            )
        )


def write_export(store: Store, public_key: bytes, out: IO[bytes]) -> int:
    count = 0
    for line in export_lines(store, public_key):
        out.write(line + b"\n")
        count += 1
    return count


def _parse(lines: Iterable[bytes]) -> tuple[str, list[tuple[int, bytes]], list[TreeHead]]:
    announced: str | None = None
    rows: list[tuple[int, bytes]] = []
    heads: list[TreeHead] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = _decode(raw)
            if line.format is not None:
                if line.format != EXPORT_FORMAT:
                    raise AuditError(f"line {number}: unknown format {line.format!r}")
                announced = line.public_key
            elif line.seq is not None and line.entry is not None:
                rows.append((line.seq, line.entry.encode("utf-8")))
            elif line.head is not None:
                h = line.head
                heads.append(
                    TreeHead(
                        size=h.size,
                        root=bytes.fromhex(h.root),
                        timestamp_ms=h.timestamp_ms,
                        signature=bytes.fromhex(h.signature),
                        public_key=bytes.fromhex(h.public_key),
                    )
                )
            else:
                raise AuditError(f"line {number}: neither an entry nor a tree head")
        except (msgspec.DecodeError, ValueError) as exc:
            raise AuditError(f"export line {number}: {exc}") from None
    if announced is None:
        raise AuditError(f"not an {EXPORT_FORMAT} file: the header line is missing")
    return announced, rows, heads


def verify_export(lines: Iterable[bytes], public_key: bytes | None = None) -> Report:
    """Verify an export offline. Without ``public_key`` the key the file announces is
    used, which proves integrity only relative to that key: pin yours when you can."""
    announced, rows, heads = _parse(lines)
    try:
        key = public_key if public_key is not None else bytes.fromhex(announced)
    except ValueError:
        raise AuditError("the export header's public key is not hex") from None
    if not heads:
        raise TamperError(None, "the export holds no signed tree head; nothing vouches for it")
    checker = LogChecker(key, heads)
    for seq, entry in rows:
        checker.entry(seq, entry)
    size = checker.finish()
    return Report(
        size=size, signed_size=checker.signed_size, heads=len(heads), root=checker.tree.root()
    )
