"""A tool body for sandbox_speed.py: a module with no imports of its own, so the figure
is the sandbox's cost and not the tool's."""

from __future__ import annotations


def summarise(text: str, limit: int) -> str:
    return text[:limit].upper()
