"""What :func:`immuno.core.structure.parse` reads a text into: fields with their
paths, and the bounds every reader keeps to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

MAX_FIELDS = 4096
MAX_DEPTH = 32
# the path of a field that holds what the bounds left over (past MAX_FIELDS, deeper
# than MAX_DEPTH): its keys are in its text, its place is unknown
REST = "$rest"
MAX_CHARS = 1 << 20  # JSON and CSV
MAX_YAML_CHARS = 1 << 18  # YAML is parsed event by event in Python: slower

Format = Literal["json", "jsonl", "yaml", "csv", "html", "prose"]


class Field(NamedTuple):  # a tuple: a read has hundreds, made quickly
    path: str
    record: int | None
    key: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Structure:
    format: Format
    fields: tuple[Field, ...]

    @property
    def structured(self) -> bool:
        """Read into values (JSON, JSON lines, YAML, CSV), not kept whole."""
        return self.format not in ("html", "prose")


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=4096)
def member(key: str) -> str:
    """``key`` as a step of a path: ``.name``, or ``[\"odd key\"]``."""
    return f".{key}" if _IDENTIFIER.fullmatch(key) else f"[{json.dumps(key)}]"
