"""Argument constraints compiled into closures: ``check(value) -> problem | None``.

Each constraint is compiled once when the manifest loads; a decision then costs a
handful of Python calls. Paths are resolved (``os.path.realpath``) and must stay
under a declared root, so neither ``..`` nor a symlink can lead outside it. URLs
must use an allowed scheme and an allowed host, and may not carry credentials.

An object's declared ``fields`` and an array's ``items`` are checked the same way,
at any depth; a problem found inside names its place relative to the argument
(``[1].email must be string, got int``), and the caller puts the argument first.
An object with ``fields`` accepts no other field. ``nullable`` lets None through
every constraint.
"""

from __future__ import annotations

import fnmatch
import math
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
import re2

from immuno.policy.spec import ArgSpec, PathRule, UrlRule

Check = Callable[[Any], str | None]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "any": lambda v: True,
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list | tuple),
    "object": lambda v: isinstance(v, dict),
}
_encode = msgspec.json.Encoder().encode


def compile_arg(spec: ArgSpec) -> Check:
    """All of an argument's constraints as one function; the first failure is reported."""
    check = _compile(spec)
    if not spec.nullable:
        return check
    return lambda value: None if value is None else check(value)


def at(place: str, problem: str) -> str:
    """``problem`` found at ``place`` (``args.to``, ``[1]``): ``args.to[1].email ...``."""
    return place + problem if problem[:1] in (".", "[") else f"{place} {problem}"


def _compile(spec: ArgSpec) -> Check:
    checks: list[Check] = []
    if spec.type != "any":
        checks.append(_type(spec.type))
    if spec.enum is not None:
        checks.append(_enum(spec.enum))
    if spec.pattern is not None:
        checks.append(_pattern(spec.pattern))
    if spec.min is not None or spec.max is not None:
        checks.append(_range(spec.min, spec.max))
    if spec.max_length is not None:
        checks.append(_max_length(spec.max_length))
    if spec.max_bytes is not None:
        checks.append(_max_bytes(spec.max_bytes))
    if spec.path is not None:
        checks.append(_path(spec.path))
    if spec.url is not None:
        checks.append(_url(spec.url))
    if spec.fields is not None:
        checks.append(_fields(spec.fields))
    if spec.items is not None:
        checks.append(_items(spec.items))
    if not checks:
        return lambda value: None
    if len(checks) == 1:
        return checks[0]

    def check_all(value: Any) -> str | None:
        for check in checks:
            problem = check(value)
            if problem is not None:
                return problem
        return None

    return check_all


def _fields(fields: dict[str, ArgSpec]) -> Check:
    compiled = {name: compile_arg(spec) for name, spec in fields.items()}
    required = [name for name, spec in fields.items() if spec.required]

    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "must be object to have fields"
        for key, item in value.items():
            field = compiled.get(key)
            if field is None:
                return f".{key} is not a declared field"
            problem = field(item)
            if problem is not None:
                return at(f".{key}", problem)
        for name in required:
            if name not in value:
                return f".{name} is required"
        return None

    return check


def _items(spec: ArgSpec) -> Check:
    item_check = compile_arg(spec)

    def check(value: Any) -> str | None:
        if not isinstance(value, list | tuple):
            return "must be array to have items"
        for i, item in enumerate(value):
            problem = item_check(item)
            if problem is not None:
                return at(f"[{i}]", problem)
        return None

    return check


def _type(name: str) -> Check:
    test = _TYPES[name]
    return lambda v: None if test(v) else f"must be {name}, got {type(v).__name__}"


def _enum(options: tuple[object, ...]) -> Check:
    # Compare type and value, so True never passes for 1 nor 1.0 for 1.
    allowed = {(type(o), o) for o in options if isinstance(o, str | int | float | bool)}
    shown = ", ".join(repr(o) for o in options[:8])

    def check(value: Any) -> str | None:
        try:
            if (type(value), value) in allowed:
                return None
        except TypeError:  # unhashable: a list or a mapping is never an enum member
            pass
        return f"must be one of {shown}"

    return check


def _pattern(pattern: str) -> Check:
    # A one-pattern RE2 full-match set: linear time like any RE2, and about 4x cheaper
    # per call in the Python binding than ``compile(...).fullmatch`` (no match object).
    matcher = re2.Set.FullMatchSet()
    matcher.Add(pattern)
    matcher.Compile()
    match = matcher.Match

    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string to match a pattern"
        return None if match(value) else f"does not match {pattern!r}"

    return check


def _range(low: float | None, high: float | None) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if not math.isfinite(value):
            return "must be a finite number"
        if low is not None and value < low:
            return f"must be >= {low:g}, got {value}"
        if high is not None and value > high:
            return f"must be <= {high:g}, got {value}"
        return None

    return check


def _max_length(limit: int) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str | list | tuple | dict):
            return "has no length"
        return None if len(value) <= limit else f"longer than {limit} ({len(value)})"

    return check


def _max_bytes(limit: int) -> Check:
    def check(value: Any) -> str | None:
        size = len(value.encode()) if isinstance(value, str) else len(_encode(value))
        return None if size <= limit else f"larger than {limit} bytes ({size})"

    return check


def _path(rule: PathRule) -> Check:
    roots = [os.path.realpath(root) for root in rule.roots]

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value:
            return "must be a non-empty path"
        if "\x00" in value:
            return "contains a NUL byte"
        if ".." in value.replace("\\", "/").split("/"):
            return "must not contain '..'"
        for root in roots:
            joined = os.path.join(root, value)  # an absolute value replaces the root
            resolved = os.path.realpath(joined)
            if resolved != root and not resolved.startswith(root.rstrip("/") + "/"):
                continue
            relative = os.path.relpath(resolved, root)
            if not rule.globs or any(fnmatch.fnmatchcase(relative, g) for g in rule.globs):
                return None
            return f"{relative!r} matches none of {list(rule.globs)}"
        return f"resolves outside the allowed roots {list(rule.roots)}"

    return check


def _host_allowed(host: str, hosts: tuple[str, ...]) -> bool:
    for allowed in hosts:
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and host != allowed[2:]:
                return True
        elif host == allowed:
            return True
    return False


def _url(rule: UrlRule) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a URL string"
        if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in value):
            return "contains whitespace, control characters or backslashes"
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError as exc:
            return f"not a valid URL ({exc})"
        if parts.scheme.lower() not in rule.schemes:
            return f"scheme {parts.scheme!r} not in {list(rule.schemes)}"
        if parts.username is not None or parts.password is not None:
            return "must not carry credentials"
        if not host or not _host_allowed(host.rstrip("."), rule.hosts):
            return f"host {host!r} not in {list(rule.hosts)}"
        return None

    return check
