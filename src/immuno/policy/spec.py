"""What a manifest declares, as plain frozen values (the parser builds them, the
compiler turns them into matchers)."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from immuno.sandbox.spec import SandboxSpec


class Source(enum.IntEnum):
    """How trustworthy the content a value came from must be (``from:`` on an argument).

    ``trusted``: the user's request, the operator, or a tool the manifest trusts (a
    value an agent wrote there from untrusted content keeps its own level).
    ``clean``: trusted content, or a sentence of untrusted content no layer flagged
    that neither gives instructions nor announces a change (see ``cues.py``).
    ``any``: no data-flow requirement.
    """

    ANY = 0
    CLEAN = 1
    TRUSTED = 2


SINKS = ("money", "mail", "shell", "network", "memory", "deletion")
TYPES = ("any", "string", "integer", "number", "boolean", "array", "object")


@dataclass(frozen=True)
class PathRule:
    roots: tuple[str, ...]
    globs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UrlRule:
    schemes: tuple[str, ...] = ("https",)
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArgSpec:
    name: str
    where: str  # file and line, for explanations
    type: str = "any"
    required: bool = True
    enum: tuple[object, ...] | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    max_bytes: int | None = None
    path: PathRule | None = None
    url: UrlRule | None = None
    source: Source = Source.ANY
    # kinds of values (canonical.KINDS) found inside a string that must meet ``source``
    # themselves; the whole text then need not appear in any read
    values: tuple[str, ...] = ()
    nullable: bool = False  # None is accepted, and carries nothing
    fields: dict[str, ArgSpec] | None = None  # an object's declared fields
    items: ArgSpec | None = None  # what every item of an array meets
    on_violation: str | None = None  # block | hold; None: the enclosing argument's or tool's

    def walk(self) -> Iterator[ArgSpec]:
        """This argument and every field and item spec inside it."""
        yield self
        for spec in (self.fields or {}).values():
            yield from spec.walk()
        if self.items is not None:
            yield from self.items.walk()


@dataclass(frozen=True)
class Rate:
    calls: int
    per: float  # seconds


@dataclass(frozen=True)
class ToolSpec:
    name: str
    where: str
    sink: str | None = None
    approval: bool = False
    rate: Rate | None = None
    on_violation: str = "block"  # what a data-flow violation does (an argument may differ)
    trusted_output: bool = False
    # with ``endorse: true``, an output the user's own words asked for
    # (``read_file(path=<what the user named>)``) vouches as trusted in the session, its
    # clean sentences only (layer.py). Off by default: it raises what a stranger who can
    # write that content (a customer's ticket, a shared file) is trusted with.
    endorse: bool = False
    # fields of a trusted tool's output that someone outside can write (an invitation's
    # description, a ticket's body): judged as untrusted content, the rest trusted
    outsider_fields: tuple[str, ...] = ()
    if_tainted: str = "allow"  # after the agent read untrusted content: allow | hold | block
    args: dict[str, ArgSpec] = field(default_factory=dict)
    sandbox: SandboxSpec | None = None  # where it runs when run sandboxed (immuno.sandbox)


@dataclass(frozen=True)
class RoleSpec:
    name: str
    where: str
    tools: tuple[str, ...]


@dataclass(frozen=True)
class AgentSpec:
    name: str
    where: str
    roles: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    expansion: str = "deny"  # a declared tool outside the agent's grant: deny | approval


@dataclass(frozen=True)
class Manifest:
    agents: dict[str, AgentSpec]
    roles: dict[str, RoleSpec]
    tools: dict[str, ToolSpec]
    files: tuple[str, ...] = ()

    def granted(self, agent: AgentSpec) -> frozenset[str]:
        """The tools an agent holds: its own grants and its roles'."""
        tools = set(agent.tools)
        for role in agent.roles:
            tools.update(self.roles[role].tools)
        return frozenset(tools)
