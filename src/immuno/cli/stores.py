"""Opening the store for a command. Commands that only read (or act on records that
must already be there) open an existing store and never create one: in a directory
with no store they stop with ``no store yet at PATH`` (exit 2), leaving nothing behind."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from immuno.core.config import Config, load_config
from immuno.core.pipeline import Immune
from immuno.store import Store, open_store


def existing_store(settings: Config) -> Store:
    """The configured store, which must exist already (:class:`NoStore` otherwise)."""
    return open_store(settings.store.location, timeout=settings.store.timeout, create=False)


def existing_immune(config: Path | Config | None, *, layers: Sequence[Any] | None = None) -> Immune:
    """A pipeline on the configured store, which must exist already."""
    settings = config if isinstance(config, Config) else load_config(config)
    return Immune(settings, layers=layers, store=existing_store(settings))
