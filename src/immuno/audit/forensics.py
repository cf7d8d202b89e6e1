"""Verify a log file that SQLite itself refuses to open (a truncated file, say).

SQLite rejects a whole database whose header declares more pages than the file
holds. To still name the first lost entry, verification runs on a copy padded with
zero pages back to the declared size: everything that survived reads normally, and
the first entry on a lost page fails to read, which names it.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from immuno.audit.check import Report, verify_store
from immuno.audit.errors import TamperError
from immuno.audit.treehead import TreeHead
from immuno.core.errors import StoreError
from immuno.store import open_store


def declared_size(path: Path) -> tuple[int, int] | None:
    """(declared bytes, actual bytes) from the SQLite header, or None if unreadable."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return None
    (page_size,) = struct.unpack(">H", header[16:18])
    (pages,) = struct.unpack(">I", header[28:32])
    page_size = 65536 if page_size == 1 else page_size
    return pages * page_size, path.stat().st_size


def verify_file(
    location: str,
    public_key: bytes,
    witnessed: Sequence[TreeHead] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Verify the log in the SQLite file at ``location``; raise :class:`TamperError`.
    ``progress(done, total)`` is told of every entry replayed."""
    try:
        store = open_store(location)
    except StoreError as exc:
        return _verify_damaged(Path(location), public_key, str(exc), witnessed)
    try:
        return verify_store(store, public_key, witnessed, progress)
    finally:
        store.close()


def _verify_damaged(
    path: Path, public_key: bytes, problem: str, witnessed: Sequence[TreeHead]
) -> Report:
    sizes = declared_size(path)
    if sizes is None or sizes[1] >= sizes[0]:
        raise TamperError(None, f"the store cannot be opened: {problem}")
    declared, actual = sizes
    lost = f"the file is truncated ({actual} of {declared} bytes)"
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        with copy.open("r+b") as handle:
            handle.truncate(declared)  # zero pages where the lost ones were
        try:
            report = verify_file(str(copy), public_key, witnessed)
        except TamperError as exc:
            raise TamperError(exc.seq, f"{lost}; {exc.problem}") from None
    raise TamperError(report.size, f"{lost}, though every entry read back intact")
