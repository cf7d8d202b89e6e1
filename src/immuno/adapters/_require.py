"""The error an adapter raises when its framework is not installed."""

from __future__ import annotations


def missing(adapter: str, extra: str, error: ImportError) -> ImportError:
    """An ImportError naming the adapter, the missing module and the extra to install."""
    module = error.name or "a dependency"
    return ImportError(
        f"{adapter} needs {module}, which is not installed: pip install 'immuno[{extra}]'"
    )
