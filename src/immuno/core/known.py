"""What a key or field could have been: every "unknown key" and "missing field" message
names the fields the object has, in declaration order, so a typo is fixed at once.

``fields_at(kind, path)`` walks a msgspec Struct type along a validation error's path
(``$.detect.packs[0]``, ``thresholds``) to the Struct there; ``unknown`` and ``missing``
phrase the message the same way everywhere (configuration, signals, request bodies,
signature packs, manifests)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import msgspec

_STEP = re.compile(r"\.([^.\[\]`]+)|\[(\d+)\]")
_LOCATED = re.compile(r"^(.*?) - at `\$([^`]*)`$", re.DOTALL)
_UNKNOWN = re.compile(r"^Object contains unknown field `([^`]+)`")
_MISSING = re.compile(r"^Object missing required field `([^`]+)`")
_ENUM = re.compile(r"^Invalid enum value (.+)$", re.DOTALL)


def _struct_in(info: msgspec.inspect.Type) -> msgspec.inspect.StructType | None:
    if isinstance(info, msgspec.inspect.StructType):
        return info
    if isinstance(info, msgspec.inspect.UnionType):
        for member in info.types:
            found = _struct_in(member)
            if found is not None:
                return found
    return None


def _step(info: msgspec.inspect.Type, key: str | None) -> msgspec.inspect.Type | None:
    struct = _struct_in(info)
    if key is not None and struct is not None:
        for field in struct.fields:
            if key in (field.encode_name, field.name):
                return field.type
        return None
    for member in info.types if isinstance(info, msgspec.inspect.UnionType) else (info,):
        if isinstance(member, msgspec.inspect.DictType):
            return member.value_type
        if isinstance(member, (msgspec.inspect.ListType, msgspec.inspect.SetType)):
            return member.item_type
    return None


def fields_at(kind: type, path: str = "") -> list[str]:
    """The field names of the Struct found at ``path`` inside ``kind`` (a msgspec
    Struct type); [] when the path leads elsewhere."""
    info: msgspec.inspect.Type | None = msgspec.inspect.type_info(kind)
    for name, _index in _STEP.findall(path if path.startswith((".", "[")) else "." + path):
        if info is None:
            return []
        info = _step(info, name or None)
    struct = _struct_in(info) if info is not None else None
    return [field.encode_name for field in struct.fields] if struct is not None else []


def choices_at(kind: type, path: str) -> list[str]:
    """The values the enum or literal field at ``path`` inside ``kind`` accepts (an
    enum's in declaration order, a literal's as msgspec sorts them); [] when the path
    leads elsewhere."""
    info: msgspec.inspect.Type | None = msgspec.inspect.type_info(kind)
    for name, _index in _STEP.findall(path if path.startswith((".", "[")) else "." + path):
        if info is None:
            return []
        info = _step(info, name or None)
    members = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    for member in members:
        if isinstance(member, msgspec.inspect.EnumType):
            return [str(item.value) for item in member.cls]
        if isinstance(member, msgspec.inspect.LiteralType):
            return [str(value) for value in member.values]
    return []


LISTED = 24  # names shown at most; the rest are counted


def listing(owner: str, known: Iterable[str], verb: str = "has") -> str:
    """``"; a signal has: kind, agent, ..."`` (empty when nothing is known)."""
    names = list(known)
    if not names:
        return ""
    shown = ", ".join(names[:LISTED])
    more = f", and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return f"; {owner} {verb}: {shown}{more}"


def unknown(owner: str, known: Iterable[str], what: str = "field") -> str:
    """The problem text for a key that does not exist: ``unknown field; X has: ...``."""
    return f"unknown {what}{listing(owner, known)}"


def explain_validation(
    message: str, kind: type, owner: str, what: str = "field"
) -> tuple[str, str] | None:
    """A msgspec validation message about an unknown or missing field -> (dotted path
    of that field, problem naming the fields its object has), or about a value an enum
    does not hold -> (its path, problem naming the values it does); None for others.
    ``owner`` names the top-level object ("a signal"); nested ones are named by path."""
    located = _LOCATED.match(message)
    problem, at = (located.group(1), located.group(2)) if located else (message, "")
    at = at.lstrip(".")
    for pattern, phrase in ((_UNKNOWN, f"unknown {what}"), (_MISSING, "required field is missing")):
        named = pattern.match(problem)
        if named:
            here = at or ""
            dotted = f"{here}.{named.group(1)}" if here else named.group(1)
            return dotted, phrase + listing(here or owner, fields_at(kind, here))
    wrong = _ENUM.match(problem)
    if wrong and at and (choices := choices_at(kind, at)):
        return at, f"invalid value {wrong.group(1)}" + listing(at, choices, "is one of")
    return None
