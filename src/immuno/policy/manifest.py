"""Load agent manifests (YAML) into :class:`Manifest` values.

Parsing walks the YAML node tree rather than the loaded data, so every error names
the file, the line and the field (``payments.yaml, line 12: tools.bank.transfer.args.
amount.max: must be a number``). Duplicate keys, unknown keys and references to
undeclared roles or tools are errors: a typo must never widen what an agent may do.

An argument (``tools.NAME.args.ARG``) may declare:

    type          any | string | integer | number | boolean | array | object
    required      true (the default) | false
    nullable      true: None is accepted (it carries no value, so it needs no
                  ``from:``); otherwise None is a type error, or for ``type: any``
                  under ``from:``, never vouched for
    enum, pattern, min, max, max_length, max_bytes, path, url
                  constraints (constraints.py)
    from          any | clean | trusted: the value must appear in what the agent read
                  at that level (flow.py), as written or in the same canonical form
                  (canonical.py: ``1200.5`` is ``1,200.50``, an IBAN in any spacing);
                  it holds for every field and item inside, which may ask for more
                  but never for less. Empty text is never vouched for.
    values        [url, email, phone, account, amount, date], on a string under
                  ``from:`` (its own or an enclosing argument's): each value of
                  those kinds found inside the text must meet ``from:``, and the
                  text as a whole need not (a message body the agent composed)
    fields        on ``type: object``: an argument spec per field, to any depth; no
                  other field is accepted
    items         on ``type: array``: the spec every item meets (no ``required``)
    on_violation  block | hold: what a data-flow violation here does; by default the
                  enclosing argument's, else the tool's ``on_violation``

    body: {type: string, from: trusted, values: [url, email, phone, account]}
    to:
      type: array
      items:
        type: object
        fields:
          email: {type: string, from: trusted}
          name: {type: string, required: false, nullable: true, from: clean,
                 on_violation: hold}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import re2
import yaml

from immuno.core.errors import ConfigError
from immuno.core.known import listing, unknown
from immuno.policy.canonical import KINDS
from immuno.policy.spec import (
    SINKS,
    TYPES,
    AgentSpec,
    ArgSpec,
    Manifest,
    PathRule,
    Rate,
    RoleSpec,
    Source,
    ToolSpec,
    UrlRule,
)
from immuno.sandbox.spec import parse_sandbox

T = TypeVar("T")
_Pairs = dict[str, tuple[yaml.Node, yaml.Node]]


class _Doc:
    """One manifest file being read: turns nodes into values, errors into ConfigError."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self._loader = yaml.SafeLoader(text)
        try:
            self.root: yaml.Node | None = self._loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{source}, line {mark.line + 1}" if mark is not None else source
            raise ConfigError(where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None

    def where(self, node: yaml.Node) -> str:
        return f"{self.source}, line {node.start_mark.line + 1}"

    def fail(self, node: yaml.Node, path: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where(node)}: {path}", problem)

    def value(self, node: yaml.Node) -> Any:
        return self._loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, path: str, allowed: Iterable[str] | None = None) -> _Pairs:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, "must be a mapping")
        pairs: _Pairs = {}
        order = list(allowed) if allowed is not None else None
        known = set(order) if order is not None else None
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str) or not key:
                raise self.fail(key_node, path, f"keys must be non-empty strings, got {key!r}")
            if key in pairs:
                raise self.fail(key_node, f"{path}.{key}", "duplicate key")
            if known is not None and key not in known:
                owner = "a manifest" if path == "(top level)" else path
                raise self.fail(key_node, f"{path}.{key}", unknown(owner, order or (), "key"))
            pairs[key] = (key_node, value_node)
        return pairs

    def scalar(self, node: yaml.Node, path: str, kind: type[T] | tuple[type, ...]) -> T:
        value = self.value(node)
        ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in _kinds(kind))
        if not ok:
            names = "/".join(k.__name__ for k in _kinds(kind))
            raise self.fail(node, path, f"must be {names}, got {value!r}")
        return value  # type: ignore[no-any-return]

    def number(self, node: yaml.Node, path: str) -> float:
        value = float(self.scalar(node, path, (int, float)))
        if not math.isfinite(value):
            raise self.fail(node, path, f"must be a finite number, got {value}")
        return value

    def names(self, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, path, "must be a list")
        return [(self.scalar(item, f"{path}[{i}]", str), item) for i, item in enumerate(node.value)]

    def choice(self, node: yaml.Node, path: str, options: Sequence[str]) -> str:
        value = self.scalar(node, path, str)
        if value not in options:
            raise self.fail(node, path, f"must be one of {', '.join(options)}, got {value!r}")
        return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_ARG_KEYS = (
    "type",
    "required",
    "nullable",
    "enum",
    "pattern",
    "min",
    "max",
    "max_length",
    "max_bytes",
    "path",
    "url",
    "from",
    "values",
    "fields",
    "items",
    "on_violation",
    "description",
)
_ITEM_KEYS = tuple(k for k in _ARG_KEYS if k != "required")  # an item is never absent
_TOOL_KEYS = (
    "description",
    "sink",
    "approval",
    "rate",
    "on_violation",
    "trusted_output",
    "endorse",
    "outsider_fields",
    "if_tainted",
    "args",
    "sandbox",
)
MAX_DEPTH = 16  # fields and items inside each other


def _arg(
    doc: _Doc,
    name: str,
    node: yaml.Node,
    path: str,
    outer: Source = Source.ANY,
    depth: int = 0,
    keys: tuple[str, ...] = _ARG_KEYS,
) -> ArgSpec:
    """One argument (or a field or the items of one); ``outer`` is the ``from:`` of the
    arguments around it, which it keeps (an inner ``from:`` can only ask for more)."""
    if depth > MAX_DEPTH:
        raise doc.fail(node, path, f"fields and items nested deeper than {MAX_DEPTH} levels")
    pairs = doc.mapping(node, path, keys)
    fields: dict[str, Any] = {}
    for key, (_, value) in pairs.items():
        here = f"{path}.{key}"
        if key == "type":
            fields["type"] = doc.choice(value, here, TYPES)
        elif key in ("required", "nullable"):
            fields[key] = doc.scalar(value, here, bool)
        elif key == "enum":
            if not isinstance(value, yaml.SequenceNode) or not value.value:
                raise doc.fail(value, here, "must be a non-empty list")
            fields["enum"] = tuple(doc.value(value))
        elif key == "pattern":
            pattern = doc.scalar(value, here, str)
            try:
                re2.compile(pattern)
            except re2.error as exc:
                raise doc.fail(value, here, f"not a valid RE2 pattern: {exc}") from None
            fields["pattern"] = pattern
        elif key in ("min", "max"):
            fields[key] = doc.number(value, here)
        elif key in ("max_length", "max_bytes"):
            size = doc.scalar(value, here, int)
            if size < 0:
                raise doc.fail(value, here, f"must not be negative, got {size}")
            fields[key] = size
        elif key == "path":
            fields["path"] = _path_rule(doc, value, here)
        elif key == "url":
            fields["url"] = _url_rule(doc, value, here)
        elif key == "from":
            fields["source"] = Source[doc.choice(value, here, ("any", "clean", "trusted")).upper()]
        elif key == "on_violation":
            fields["on_violation"] = doc.choice(value, here, ("block", "hold"))
        elif key == "values":
            fields["values"] = _kinds_of_values(doc, value, here)
    low, high = fields.get("min"), fields.get("max")
    if low is not None and high is not None and low > high:
        raise doc.fail(node, path, f"min ({low}) exceeds max ({high})")
    level = max(outer, fields.get("source", Source.ANY))
    kind = fields.get("type", "any")
    for key, needs in (("values", "string"), ("fields", "object"), ("items", "array")):
        if key in pairs and kind != needs:
            raise doc.fail(pairs[key][0], f"{path}.{key}", f"needs type: {needs}, not {kind}")
    if "values" in pairs and level is Source.ANY:
        raise doc.fail(
            pairs["values"][0],
            f"{path}.values",
            "needs from: trusted or clean, here or on an enclosing argument",
        )
    if "fields" in pairs:
        here = f"{path}.fields"
        fields["fields"] = {
            field: _arg(doc, field, field_node, f"{here}.{field}", level, depth + 1)
            for field, (_, field_node) in doc.mapping(pairs["fields"][1], here).items()
        }
    if "items" in pairs:
        here = f"{path}.items"
        item_node = pairs["items"][1]
        fields["items"] = _arg(doc, "items", item_node, here, level, depth + 1, _ITEM_KEYS)
    return ArgSpec(name=name, where=doc.where(node), **fields)


def _kinds_of_values(doc: _Doc, node: yaml.Node, path: str) -> tuple[str, ...]:
    kinds: list[str] = []
    for kind, item in doc.names(node, path):
        if kind not in KINDS:
            raise doc.fail(item, path, f"must be among {', '.join(KINDS)}, got {kind!r}")
        if kind not in kinds:
            kinds.append(kind)
    if not kinds:
        raise doc.fail(node, path, f"must name at least one of {', '.join(KINDS)}")
    return tuple(kinds)


def _path_rule(doc: _Doc, node: yaml.Node, path: str) -> PathRule:
    pairs = doc.mapping(node, path, ("roots", "globs"))
    if "roots" not in pairs:
        raise doc.fail(node, path, "needs roots: the folders paths must stay under")
    roots = []
    for root, item in doc.names(pairs["roots"][1], f"{path}.roots"):
        if not root.startswith("/"):
            raise doc.fail(item, f"{path}.roots", f"must be an absolute path, got {root!r}")
        roots.append(root)
    if not roots:
        raise doc.fail(pairs["roots"][1], f"{path}.roots", "must name at least one folder")
    globs = (
        [g for g, _ in doc.names(pairs["globs"][1], f"{path}.globs")] if "globs" in pairs else []
    )
    return PathRule(roots=tuple(roots), globs=tuple(globs))


def _url_rule(doc: _Doc, node: yaml.Node, path: str) -> UrlRule:
    pairs = doc.mapping(node, path, ("schemes", "hosts"))
    rule = UrlRule()
    schemes, hosts = rule.schemes, rule.hosts
    if "schemes" in pairs:
        schemes = tuple(s.lower() for s, _ in doc.names(pairs["schemes"][1], f"{path}.schemes"))
    if "hosts" in pairs:
        hosts = tuple(h.lower() for h, _ in doc.names(pairs["hosts"][1], f"{path}.hosts"))
    if not hosts:
        raise doc.fail(node, path, "needs hosts: the hosts a URL may point at")
    return UrlRule(schemes=schemes, hosts=hosts)


def _tool(doc: _Doc, name: str, node: yaml.Node, path: str) -> ToolSpec:
    pairs = doc.mapping(node, path, _TOOL_KEYS)
    fields: dict[str, Any] = {}
    for key, (_, value) in pairs.items():
        here = f"{path}.{key}"
        if key == "sink":
            fields["sink"] = doc.choice(value, here, SINKS)
        elif key == "approval":
            fields["approval"] = doc.choice(value, here, ("required", "none")) == "required"
        elif key == "on_violation":
            fields["on_violation"] = doc.choice(value, here, ("block", "hold"))
        elif key == "if_tainted":
            fields["if_tainted"] = doc.choice(value, here, ("allow", "hold", "block"))
        elif key == "trusted_output":
            fields["trusted_output"] = doc.scalar(value, here, bool)
        elif key == "endorse":
            fields["endorse"] = doc.scalar(value, here, bool)
        elif key == "outsider_fields":
            names = doc.names(value, here)
            if not names or any(not n.strip() for n, _ in names):
                raise doc.fail(value, here, "must list field names (non-empty strings)")
            fields["outsider_fields"] = tuple(n for n, _ in names)
        elif key == "rate":
            rate = doc.mapping(value, here, ("calls", "per"))
            if set(rate) != {"calls", "per"}:
                raise doc.fail(value, here, "needs calls and per (seconds)")
            calls = doc.scalar(rate["calls"][1], f"{here}.calls", int)
            per = doc.number(rate["per"][1], f"{here}.per")
            if calls < 1 or per <= 0:
                raise doc.fail(value, here, "calls must be >= 1 and per > 0")
            fields["rate"] = Rate(calls=calls, per=per)
        elif key == "sandbox":  # how the tool runs when run sandboxed (immuno.sandbox)
            fields["sandbox"] = parse_sandbox(doc, value, here)
        elif key == "args":
            args = doc.mapping(value, here)
            fields["args"] = {
                arg: _arg(doc, arg, arg_node, f"{here}.{arg}")
                for arg, (_, arg_node) in args.items()
            }
    if fields.get("outsider_fields") and not fields.get("trusted_output"):
        raise doc.fail(
            pairs["outsider_fields"][0],
            f"{path}.outsider_fields",
            "only means something with trusted_output: true (other outputs are untrusted whole)",
        )
    return ToolSpec(name=name, where=doc.where(node), **fields)


def _named(doc: _Doc, node: yaml.Node, path: str, build: Callable[..., T]) -> dict[str, T]:
    return {
        name: build(doc, name, value, f"{path}.{name}")
        for name, (_, value) in doc.mapping(node, path).items()
    }


def _role(doc: _Doc, name: str, node: yaml.Node, path: str) -> RoleSpec:
    pairs = doc.mapping(node, path, ("tools", "description"))
    tools = doc.names(pairs["tools"][1], f"{path}.tools") if "tools" in pairs else []
    return RoleSpec(name=name, where=doc.where(node), tools=tuple(t for t, _ in tools))


def _agent(doc: _Doc, name: str, node: yaml.Node, path: str) -> AgentSpec:
    pairs = doc.mapping(node, path, ("roles", "tools", "expansion", "description"))
    roles = doc.names(pairs["roles"][1], f"{path}.roles") if "roles" in pairs else []
    tools = doc.names(pairs["tools"][1], f"{path}.tools") if "tools" in pairs else []
    expansion = "deny"
    if "expansion" in pairs:
        expansion = doc.choice(pairs["expansion"][1], f"{path}.expansion", ("deny", "approval"))
    return AgentSpec(
        name=name,
        where=doc.where(node),
        roles=tuple(r for r, _ in roles),
        tools=tuple(t for t, _ in tools),
        expansion=expansion,
    )


def parse_manifest(text: str, source: str = "<manifest>") -> Manifest:
    """Parse one manifest document; references between files are checked by :func:`merge`."""
    doc = _Doc(source, text)
    if doc.root is None:
        raise ConfigError(source, "empty manifest: it would allow nothing; declare agents")
    pairs = doc.mapping(doc.root, "(top level)", ("version", "roles", "agents", "tools"))
    if "version" in pairs and doc.value(pairs["version"][1]) != 1:
        raise doc.fail(pairs["version"][1], "version", "only version 1 is understood")
    parts: dict[str, Any] = {"agents": {}, "roles": {}, "tools": {}}
    builders: dict[str, Callable[..., Any]] = {"agents": _agent, "roles": _role, "tools": _tool}
    for section, build in builders.items():
        if section in pairs:
            parts[section] = _named(doc, pairs[section][1], section, build)
    return Manifest(files=(source,), **parts)


def _check_references(part: Manifest, whole: Manifest) -> None:
    tools = listing("the manifests", sorted(whole.tools), "declare")
    for role in part.roles.values():
        for tool in role.tools:
            if tool not in whole.tools:
                where = f"{role.where}: roles.{role.name}.tools"
                raise ConfigError(where, f"undeclared {tool!r}{tools}")
    for agent in part.agents.values():
        for role_name in agent.roles:
            if role_name not in whole.roles:
                roles = listing("the manifests", sorted(whole.roles), "declare")
                where = f"{agent.where}: agents.{agent.name}.roles"
                raise ConfigError(where, f"no {role_name!r}{roles or '; no role is declared'}")
        for tool in agent.tools:
            if tool not in whole.tools:
                where = f"{agent.where}: agents.{agent.name}.tools"
                raise ConfigError(where, f"undeclared {tool!r}{tools}")


def merge(manifests: Sequence[Manifest]) -> Manifest:
    """Several manifests as one; an id declared twice is an error naming both places."""
    merged: dict[str, dict[str, Any]] = {"agents": {}, "roles": {}, "tools": {}}
    for manifest in manifests:
        for section in merged:
            for name, spec in getattr(manifest, section).items():
                if name in merged[section]:
                    first = merged[section][name].where
                    raise ConfigError(
                        f"{spec.where}: {section}.{name}", f"already declared at {first}"
                    )
                merged[section][name] = spec
    files = tuple(f for m in manifests for f in m.files)
    whole = Manifest(files=files, **merged)
    _check_references(whole, whole)
    return whole


def load_manifest(path: str | Path) -> Manifest:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read manifest: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "manifest is not UTF-8 text") from None
    return parse_manifest(text, str(path))


def load_manifests(paths: Sequence[str | Path]) -> Manifest:
    if not paths:
        raise ConfigError("policy.manifests", "no manifest given")
    return merge([load_manifest(p) for p in paths])
