"""A starting manifest from a server's tools (``immuno mcp manifest``).

Each tool's arguments come from its input schema (type, required, nullable, enum,
bounds, length, pattern when RE2 reads it, the item type of an array). What the
schema cannot say is guessed, and every guess is marked with a ``# review:`` comment
saying why:

* the sink, from the tool's name (``send_mail`` -> mail, ``delete_*`` -> deletion,
  ``transfer``/``pay`` -> money, ``exec``/``shell`` -> shell, ``fetch``/``http`` ->
  network, ``remember`` -> memory), else from its annotations (``openWorldHint`` ->
  network; ``readOnlyHint`` -> no sink);
* ``approval: required`` on a tool whose annotations say it is destructive;
* ``from: trusted`` on a sink's argument that names where things go (``to``, ``url``,
  ``account``, ``path``, ``command`` ...): it must come from the user's own words.

The agent is granted every tool; the output is valid input for ``immuno policy check``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import re2
import yaml

_SINK_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("money", ("pay", "payment", "transfer", "wire", "refund", "charge", "invoice", "purchase")),
    ("mail", ("mail", "email", "smtp", "sms", "message", "reply", "post_message")),
    ("shell", ("exec", "execute", "shell", "bash", "command", "terminal", "run_code", "eval")),
    ("deletion", ("delete", "remove", "rm", "drop", "purge", "destroy", "erase", "unlink")),
    ("memory", ("remember", "memory", "memorize", "store_memory")),
    ("network", ("fetch", "http", "request", "download", "upload", "browse", "webhook", "url")),
)
_DESTINATIONS = re.compile(
    r"^(to|cc|bcc|recipients?|emails?|address(es)?|accounts?|iban|payee|urls?|uris?|hosts?"
    r"|endpoint|webhook|path|file(name)?|dest(ination)?|command|cmd|script|code)$",
    re.IGNORECASE,
)
_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def _words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    words = set(re.split(r"[^a-z0-9]+", spaced))
    return words | {spaced}


def guess_sink(name: str, annotations: Mapping[str, Any]) -> tuple[str | None, str]:
    """The sink a tool probably is, and why (for the ``# review:`` comment)."""
    words = _words(name)
    for sink, cues in _SINK_WORDS:
        hit = next((cue for cue in cues if cue in words or f"_{cue}" in f"_{name.lower()}"), None)
        if hit is not None:
            return sink, f"the name says {hit!r}"
    if annotations.get("readOnlyHint") is True:
        return None, "no sink: readOnlyHint says it changes nothing"
    if annotations.get("openWorldHint") is True:
        return "network", "openWorldHint: it reaches outside the server"
    if not annotations:
        return None, "no sink: no annotations and nothing in the name says what it touches"
    return None, "no sink: nothing in the name or annotations says what it touches"


def _type_of(schema: Mapping[str, Any]) -> tuple[str, bool]:
    """The manifest type of a JSON schema, and whether null is accepted."""
    kind = schema.get("type")
    options = schema.get("anyOf") or schema.get("oneOf")
    kinds: list[Any] = kind if isinstance(kind, list) else [kind] if kind else []
    if isinstance(options, list):
        kinds += [o.get("type") for o in options if isinstance(o, dict)]
    nullable = "null" in kinds
    real = {k for k in kinds if isinstance(k, str) and k != "null"}
    return (real.pop() if len(real) == 1 and real <= _TYPES else "any"), nullable


def _branch(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The one non-null branch of an ``anyOf`` (``list[str] | None``), else the schema."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        real = [o for o in options if isinstance(o, dict) and o.get("type") != "null"]
        if len(real) == 1:
            return {**real[0], **{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}}
    return schema


def arg_spec(schema: Mapping[str, Any], required: bool) -> dict[str, Any]:
    """A manifest argument from one input-schema property."""
    kind, nullable = _type_of(schema)
    schema = _branch(schema)
    spec: dict[str, Any] = {"type": kind}
    if not required:
        spec["required"] = False
    if nullable:
        spec["nullable"] = True
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        spec["enum"] = list(schema["enum"])
    for key, ours in (("minimum", "min"), ("maximum", "max")):
        if isinstance(schema.get(key), int | float) and not isinstance(schema[key], bool):
            spec[ours] = schema[key]
    if isinstance(schema.get("maxLength"), int) and kind == "string":
        spec["max_length"] = schema["maxLength"]
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and kind == "string" and _re2_reads(pattern):
        spec["pattern"] = pattern
    items = schema.get("items")
    if kind == "array" and isinstance(items, dict):
        item_kind, item_nullable = _type_of(items)
        spec["items"] = {"type": item_kind, **({"nullable": True} if item_nullable else {})}
    return spec


def _re2_reads(pattern: str) -> bool:
    try:
        re2.compile(pattern)
    except re2.error:
        return False
    return True


def _flow(value: object) -> str:
    text: str = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _summary(description: object) -> str | None:
    if not isinstance(description, str) or not description.strip():
        return None
    first = description.strip().splitlines()[0]
    return first if len(first) <= 100 else first[:97] + "..."


def _tool_lines(tool: Mapping[str, Any]) -> list[str]:
    name = str(tool["name"])
    annotations = tool.get("annotations") or {}
    sink, why = guess_sink(name, annotations)
    lines = [f"  {_flow(name)}:"]
    summary = _summary(tool.get("description"))
    if summary is not None:
        lines.append(f"    description: {_flow(summary)}")
    lines.append(f"    sink: {sink}  # review: {why}" if sink else f"    # review: {why}")
    if annotations.get("destructiveHint") is True:
        lines.append(
            "    approval: required  # review: destructiveHint: an operator approves each call"
        )
    schema = tool.get("inputSchema") or {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    if not properties:
        return lines
    lines.append("    args:")
    for arg, prop in properties.items():
        spec = arg_spec(prop if isinstance(prop, dict) else {}, arg in required)
        comment = ""
        if sink and _DESTINATIONS.match(arg) and spec["type"] in ("string", "array", "any"):
            spec["from"] = "trusted"
            comment = f"  # review: where a {sink} sink sends or acts: only what the user named"
        lines.append(f"      {_flow(arg)}: {_flow(spec)}{comment}")
    return lines


def manifest_yaml(agent: str, server: str, tools: Sequence[Mapping[str, Any]]) -> str:
    """The manifest text: the agent granted every tool, each tool's arguments and guesses."""
    names = [str(t["name"]) for t in tools]
    lines = [
        f"# A starting manifest for agent {agent!r}: the tools of MCP server {server!r}.",
        "# Written by `immuno mcp manifest`. Check every line marked `# review:`, grant",
        "# only what the agent needs, and tighten arguments (`from:`, enum, url, path).",
        "# Anything not declared here is denied.",
        "version: 1",
        "agents:",
        f"  {_flow(agent)}:",
        f"    tools: {_flow(names)}",
    ]
    if not tools:
        lines.append("tools: {}")
        return "\n".join(lines) + "\n"
    lines.append("tools:")
    for tool in tools:
        lines.extend(_tool_lines(tool))
    return "\n".join(lines) + "\n"
