"""A tool's sandbox, as its manifest declares it (``tools.NAME.sandbox``).

    sandbox:
      paths:
        read: [/srv/reports]        # bound read-only at the same path
        write: [/srv/reports/out]   # bound read-write
      hosts: [api.example.com, "127.0.0.1:8080"]   # through the egress proxy only
      limits: {cpu_seconds: 5, memory_mb: 256, processes: 16, file_size_mb: 16,
               wall_seconds: 10, output_bytes: 1048576}

Everything is optional; an empty block (or none) is the strictest sandbox: nothing of
the host readable beyond the interpreter and system libraries, no network, the default
limits. Parsing takes the manifest reader's document object, so errors name the file,
the line and the key like every other manifest error.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

DEFAULT_PORTS = (80, 443)


@dataclass(frozen=True)
class Limits:
    """What a sandboxed run may use; over any of them, it is killed."""

    cpu_seconds: float = 10.0
    memory_mb: int = 512  # address space of each process
    processes: int = 32  # processes alive at once in the sandbox
    file_size_mb: int = 64  # largest file it may write
    wall_seconds: float = 30.0
    output_bytes: int = 1_048_576  # stdout + stderr + a callable's result


@dataclass(frozen=True)
class HostRule:
    """One declared destination: a name (``*.example.com`` is its subdomains) or an IP
    literal, and a port (None: 80 and 443)."""

    host: str
    port: int | None = None

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    def matches(self, host: str, port: int) -> bool:
        ports = DEFAULT_PORTS if self.port is None else (self.port,)
        if port not in ports:
            return False
        host = host.lower().rstrip(".")
        if self.host.startswith("*."):
            return host.endswith(self.host[1:]) and host != self.host[2:]
        return host == self.host

    def __str__(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port is None else f"{shown}:{self.port}"


@dataclass(frozen=True)
class SandboxSpec:
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    hosts: tuple[HostRule, ...] = ()
    limits: Limits = field(default_factory=Limits)
    where: str = "(defaults)"  # file and line of the block, for messages


STRICT = SandboxSpec()


class Doc(Protocol):
    """What the manifest reader offers (``immuno.policy.manifest._Doc``)."""

    def fail(self, node: yaml.Node, path: str, problem: str) -> Exception: ...
    def where(self, node: yaml.Node) -> str: ...
    def mapping(
        self, node: yaml.Node, path: str, allowed: Any = None
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]: ...
    def scalar(self, node: yaml.Node, path: str, kind: Any) -> Any: ...
    def number(self, node: yaml.Node, path: str) -> float: ...
    def names(self, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node]]: ...


_LIMIT_KEYS = {
    "cpu_seconds": (float, 0.1, 3600.0),
    "memory_mb": (int, 16, 1_048_576),
    "processes": (int, 1, 4096),
    "file_size_mb": (int, 1, 1_048_576),
    "wall_seconds": (float, 0.1, 86_400.0),
    "output_bytes": (int, 1024, 1 << 30),
}
_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def parse_sandbox(doc: Doc, node: yaml.Node, path: str) -> SandboxSpec:
    pairs = doc.mapping(node, path, ("paths", "hosts", "limits"))
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    if "paths" in pairs:
        here = f"{path}.paths"
        paths = doc.mapping(pairs["paths"][1], here, ("read", "write"))
        if "read" in paths:
            read = _paths(doc, paths["read"][1], f"{here}.read")
        if "write" in paths:
            write = _paths(doc, paths["write"][1], f"{here}.write")
    hosts: tuple[HostRule, ...] = ()
    if "hosts" in pairs:
        here = f"{path}.hosts"
        hosts = tuple(
            parse_host(doc, item, here, text) for text, item in doc.names(pairs["hosts"][1], here)
        )
    limits = Limits()
    if "limits" in pairs:
        limits = _limits(doc, pairs["limits"][1], f"{path}.limits")
    return SandboxSpec(read=read, write=write, hosts=hosts, limits=limits, where=doc.where(node))


def _paths(doc: Doc, node: yaml.Node, path: str) -> tuple[str, ...]:
    found = []
    for text, item in doc.names(node, path):
        if not text.startswith("/"):
            raise doc.fail(item, path, f"must be an absolute path, got {text!r}")
        if any(part in (".", "..") for part in text.split("/")):
            raise doc.fail(item, path, f"must not contain . or .. components, got {text!r}")
        if text.rstrip("/") == "":
            raise doc.fail(item, path, "must not be / (the whole host)")
        found.append(text.rstrip("/"))
    return tuple(found)


def parse_host(doc: Doc, node: yaml.Node, path: str, text: str) -> HostRule:
    try:
        return host_rule(text)
    except ValueError as exc:
        raise doc.fail(node, path, str(exc)) from None


def host_rule(text: str) -> HostRule:
    """``name``, ``name:port``, ``*.name``, ``1.2.3.4:port``, ``[::1]:port``."""
    raw = text.strip().lower()
    if "/" in raw or "@" in raw:
        raise ValueError(f"not a host name: give a host or host:port, not a URL, got {text!r}")
    port: int | None = None
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"not a host or host:port, got {text!r}")
        port_text = rest[1:] if rest else None
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    else:
        host, port_text = raw, None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"port must be in 1..65535, got {text!r}")
        port = int(port_text)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if address.is_unspecified or address.is_multicast:
            raise ValueError(f"not a destination address, got {text!r}")
        return HostRule(host=str(address), port=port)
    if not _HOST.match(host) or host == "*":
        raise ValueError(f"not a host name (letters, digits, dots, '*.' prefix), got {text!r}")
    return HostRule(host=host, port=port)


def _limits(doc: Doc, node: yaml.Node, path: str) -> Limits:
    pairs = doc.mapping(node, path, tuple(_LIMIT_KEYS))
    values: dict[str, Any] = {}
    for key, (_, value) in pairs.items():
        here = f"{path}.{key}"
        kind, low, high = _LIMIT_KEYS[key]
        number = doc.number(value, here) if kind is float else doc.scalar(value, here, int)
        if not low <= number <= high:
            raise doc.fail(value, here, f"must be in {low:g}..{high:g}, got {number:g}")
        values[key] = number
    return Limits(**values)
