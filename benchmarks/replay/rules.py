"""The operator's rule: a manifest written from tool definitions alone, before any run.

For tools described like InjecAgent's ``tools.json`` (a toolkit, tool names that start
with a verb, typed parameters with descriptions), every tool is declared and held by
the one agent, and:

R1  each parameter is declared with its type and ``required`` flag; a parameter whose
    description lists its values (``one of ['a', 'b']``) gets that ``enum``;
R2  a tool whose name starts with a reading verb (Get, Search, View, Read, List, ...)
    only reads: no data-flow rule;
R3  every other tool acts: each string or array parameter that names a target (not
    free text such as a body or a description, not a date or time, unless its name
    ends in id, name, path, number, email, url or address; not an enum; not the
    user's own source account ``from_*``) gets ``from: clean``;
R4  sinks, by verb: money (Pay, Transfer, Deposit, Withdraw, Trade, Place, Booking, or
    Money / Transaction in the name), mail (Send, Share, Post, Reply, Retweet, Export,
    or Sharing in the name), deletion (Delete, Remove, Cancel, Revoke, Clear, Leave,
    Disable), network (Navigate, Upload), shell (Execute). On money and mail sinks the
    parameters that say where the effect goes (to, cc, bcc, recipient, email, account,
    payee, destination, url, website, domain, phone, contact) and, on money sinks, the
    amount or quantity get ``from: trusted``;
R5  an acting tool with no parameters, and a shell sink, get ``if_tainted: hold``:
    there is no value to check, only whether untrusted content was read first;
R6  no tool's output is trusted: tools.json does not say which are the user's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


READ_VERBS = _set(
    "Get Search View Read List Download Retrieve Check Find Access Query Look Track Monitor "
    "Predict Analyze Estimate Verify Reverse Geocoding Web Image Video News Background Ask "
    "Compile"
)
_SINK_VERBS = {
    "money": _set("Pay Transfer Deposit Withdraw Trade Place Booking"),
    "mail": _set("Send Share Post Reply Retweet Export"),
    "deletion": _set("Delete Remove Cancel Revoke Clear Leave Disable"),
    "network": _set("Navigate Upload"),
    "shell": _set("Execute"),
}
_SINK_WORDS = {"money": ("Money", "Transaction"), "mail": ("Sharing",)}
FREE_TEXT = _set(
    "body subject content text message description title note comment review reason query "
    "keywords keyword instructions bio caption summary details command"
)
TIMES = _set("time date datetime at range timestamp duration deadline")
RECIPIENT = _set(
    "to cc bcc recipient recipients email emails account payee destination url website "
    "domain domains phone contact"
)
AMOUNT = _set("amount quantity")
# a name ending so names a thing, whatever comes before ("note_id" is not a note)
IDENTIFIER = _set(
    "id ids name names path paths number numbers email emails url urls address username"
)
TYPES = frozenset(["string", "integer", "number", "boolean", "array", "object"])
_WORD = re.compile(r"[A-Z][a-z]*|[a-z]+|[0-9]+")
_ONE_OF = re.compile(r"one of \[([^\]]*)\]", re.IGNORECASE)


def verb(name: str) -> str:
    """The first word of a tool's own name (``TransferFunds`` -> ``Transfer``)."""
    words = _WORD.findall(name)
    return words[0] if words else name


def sink(name: str) -> str | None:
    """The sink a tool's own name makes it (R4), or None."""
    first = verb(name)
    for kind, verbs in _SINK_VERBS.items():
        if first in verbs or any(w in name for w in _SINK_WORDS.get(kind, ())):
            return kind
    return None


def reads(name: str) -> bool:
    return verb(name) in READ_VERBS and sink(name) is None


def enum_of(description: str) -> list[str] | None:
    """The values a description lists as ``one of ['a', 'b']`` (R1), or None."""
    match = _ONE_OF.search(description)
    values = re.findall(r"'([^']*)'", match.group(1)) if match else []
    return values if len(values) >= 2 else None


def _tokens(param: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(param)} | set(param.lower().split("_"))


def source_of(param: Mapping[str, Any], tool_sink: str | None) -> str | None:
    """The ``from:`` level R3/R4 give a parameter of an acting tool, or None."""
    name, kind = str(param["name"]), param.get("type")
    words = _tokens(name)
    if name.startswith("from"):
        return None  # the user's own source account: the rule guards where things go
    if tool_sink in ("money", "mail") and (
        words & RECIPIENT or (tool_sink == "money" and words & AMOUNT)
    ):
        return "trusted"
    if kind not in ("string", "array"):
        return None
    if name.lower().split("_")[-1] not in IDENTIFIER and words & (FREE_TEXT | TIMES):
        return None
    if enum_of(str(param.get("description", ""))):
        return None
    return "clean"


def tool_entry(name: str, params: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One tool's manifest entry by R1-R6 (``name`` without its toolkit)."""
    params = list(params)
    tool_sink = sink(name)
    acting = not reads(name)
    entry: dict[str, Any] = {}
    if tool_sink:
        entry["sink"] = tool_sink
    if acting and (not params or tool_sink == "shell"):
        entry["if_tainted"] = "hold"
    args: dict[str, Any] = {}
    for param in params:
        spec: dict[str, Any] = {"required": bool(param.get("required", False))}
        if param.get("type") in TYPES:
            spec["type"] = param["type"]
        values = enum_of(str(param.get("description", "")))
        if values and spec.get("type") == "string":
            spec["enum"] = values
        level = source_of(param, tool_sink) if acting else None
        if level:
            spec["from"] = level
        args[str(param["name"])] = spec
    if args:
        entry["args"] = args
    return entry


def manifest(agent: str, tools: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """A manifest in which ``agent`` holds every one of ``tools`` (name -> entry)."""
    return {"version": 1, "agents": {agent: {"tools": sorted(tools)}}, "tools": dict(tools)}
