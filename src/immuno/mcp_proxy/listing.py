"""Which tools of a ``tools/list`` result the client may see.

Each tool's definition is compared with its pin (``pins.py``):

* the pinned definition: served;
* first sight: the definition (its canonical JSON: description, schema texts) is
  checked by the pipeline as untrusted content, with the proxy's own cues of tool
  poisoning as evidence (``poison.py``); clean, it is pinned and served;
  otherwise it is withheld and recorded as poisoned (the verdict is sealed and
  charged like any stopped content);
* a definition that differs from the pin (a rug pull): withheld, recorded as the
  candidate, and an incident is raised once per new definition: the pipeline
  checks it with the proxy's own finding ``mcp.tool.changed`` as evidence;
* a definition the protocol's types refuse: withheld (``mcp.tool.malformed``).

A withheld tool stays withheld (and every call to it refused) until an operator
approves its candidate (``immuno mcp pins approve``) or forgets the pin.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp_types import Tool
from pydantic import ValidationError

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.mcp_proxy.pins import Pin, Pins, canonical, definition_of, digest_of
from immuno.mcp_proxy.poison import poisoning

LAYER = "mcp"


@dataclass(frozen=True)
class Withheld:
    """Why a tool is not served: a finding code (``mcp.tool.*``) and a message."""

    code: str
    message: str


@dataclass
class Listing:
    """The outcome of one ``tools/list`` page: what the client sees, what it does not."""

    served: list[dict[str, Any]] = field(default_factory=list)
    withheld: dict[str, Withheld] = field(default_factory=dict)


def tool_signal(agent: str, server: str, name: str, definition: Mapping[str, Any]) -> Signal:
    """A tool's definition as the content detection reads: untrusted, judged alone."""
    return Signal(
        kind=SignalKind.TOOL_RESULT,
        provenance=Provenance.UNTRUSTED,
        agent=agent,
        tool=f"mcp:{server}/{name}",
        content=canonical(definition),
    )


def _review(server: str, name: str) -> str:
    return (
        f"read it with `immuno mcp pins show {server} {name}`, accept it with "
        f"`immuno mcp pins approve {server} {name}`"
    )


class ToolGate:
    """Compares listed tools with their pins; pins, withholds, raises incidents."""

    def __init__(self, immune: Immune, pins: Pins, agent: str) -> None:
        self.immune = immune
        self.pins = pins
        self.agent = agent

    def filter(self, server: str, tools: object) -> Listing:
        listing = Listing()
        if not isinstance(tools, list):
            return listing
        pinned = self.pins.of_server(server)
        for tool in tools:
            name = tool.get("name") if isinstance(tool, dict) else None
            if not isinstance(name, str) or not name:
                continue  # nothing to call by: drop it
            try:
                Tool.model_validate(tool)
            except ValidationError as exc:
                problem = (
                    f"tool {name!r} of server {server!r} is malformed: {exc.errors()[0]['msg']}"
                )
                listing.withheld[name] = Withheld("mcp.tool.malformed", problem)
                continue
            held = self._judge(server, name, definition_of(tool), pinned.get(name))
            if held is None:
                listing.served.append(tool)
            else:
                listing.withheld[name] = held
        return listing

    def _judge(
        self, server: str, name: str, definition: dict[str, Any], pin: Pin | None
    ) -> Withheld | None:
        digest = digest_of(definition)
        if pin is not None and pin.digest == digest:
            return None
        if pin is not None and pin.digest is not None:
            return self._changed(server, name, definition, pin)
        if pin is not None and pin.candidate_digest == digest:  # seen poisoned before
            return Withheld(
                "mcp.tool.poisoned",
                f"the description of tool {name!r} of server {server!r} was stopped by "
                f"detection ({pin.reason}); {_review(server, name)}",
            )
        return self._first_sight(server, name, definition)

    def _first_sight(self, server: str, name: str, definition: dict[str, Any]) -> Withheld | None:
        signal = tool_signal(self.agent, server, name, definition)
        found = poisoning(signal.content)
        verdict = self.immune.check(signal, evidence=[found] if found is not None else [])
        if verdict.allowed:
            if self.pins.pin(server, name, definition):
                return None
            # another proxy pinned or withheld it first: judge against what it recorded
            return self._judge(server, name, definition, self.pins.get(server, name))
        reason = f"poisoned: {verdict.explain()}"
        self.pins.withhold(server, name, definition, reason)
        _log(f"withheld tool {server}/{name}: {verdict.explain()}")
        return Withheld(
            "mcp.tool.poisoned",
            f"the description of tool {name!r} of server {server!r} was stopped by detection "
            f"({verdict.explain()}); {_review(server, name)}",
        )

    def _changed(self, server: str, name: str, definition: dict[str, Any], pin: Pin) -> Withheld:
        new = digest_of(definition)
        message = (
            f"the definition of tool {name!r} of server {server!r} changed since it was "
            f"pinned (sha256 {(pin.digest or '')[:12]} -> {new[:12]}); withheld until an "
            f"operator re-pins it: {_review(server, name)}"
        )
        if self.pins.withhold(server, name, definition, "changed"):
            verdict = self.raise_incident(server, name, definition, message)
            _log(f"incident: {verdict.explain()} (audit seq {verdict.seq})")
        return Withheld("mcp.tool.changed", message)

    def raise_incident(
        self, server: str, name: str, definition: dict[str, Any], message: str
    ) -> Verdict:
        """Run the changed definition through the pipeline with the proxy's finding as
        evidence: the response engine charges and correlates it, the audit log seals it."""
        evidence = Finding(
            layer=LAYER,
            code="mcp.tool.changed",
            severity=Severity.HIGH,
            score=1.0,
            action=Action.BLOCK,
            message=message,
        )
        signal = tool_signal(self.agent, server, name, definition)
        return self.immune.check(signal, evidence=[evidence])


def _log(line: str) -> None:
    print(f"immuno mcp: {line}", file=sys.stderr, flush=True)
