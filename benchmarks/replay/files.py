"""Where a benchmark snapshot keeps its data, and how a missing piece is reported."""

from __future__ import annotations

from pathlib import Path


class Missing(Exception):
    """A snapshot lacks what the replay needs; the message says what."""


def data_dir(folder: Path) -> Path:
    """``folder/data`` for a checkout of the repository, else ``folder`` itself."""
    return folder / "data" if (folder / "data").is_dir() else folder
