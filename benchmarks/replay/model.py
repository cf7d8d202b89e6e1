"""The traces a replay plays: plain values, no engine types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """A tool call the agent makes."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Read:
    """A tool's output the agent reads (always untrusted here)."""

    tool: str
    text: str


@dataclass(frozen=True)
class Case:
    """One attack: the user's request, the user's call, its result with the attacker's
    text planted, then what the attacker asks for (calls, and reads between them)."""

    source: str
    group: str  # the benchmark's setting: "dh base", "ds enhanced", "naive" ...
    attack_type: str  # the benchmark's own label: "Financial Harm", "Stealthy Attack" ...
    agent: str
    request: str
    user_call: Call
    injected: Read
    attack: tuple[Call | Read, ...]


@dataclass(frozen=True)
class Benign:
    """The same task with nothing planted: the request, the call and its clean result."""

    source: str
    agent: str
    request: str
    user_call: Call
    result: Read


@dataclass(frozen=True)
class Source:
    """What a loader found: a manifest written by its rule, the attacks, the benign tasks."""

    name: str
    manifest: dict[str, Any]
    cases: list[Case]
    benign: list[Benign]
    notes: list[str] = field(default_factory=list)  # what was missing or skipped
