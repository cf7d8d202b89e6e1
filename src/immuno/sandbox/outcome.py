"""What a sandboxed run came to, and the findings that carry it into the audit log."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from typing import Any

import msgspec

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.sandbox.egress import Connection
from immuno.sandbox.netcount import Attempts
from immuno.sandbox.spec import Limits
from immuno.sandbox.trace import Refusal

LAYER = "sandbox"

_LIMIT_SHOWN = {
    "cpu": lambda lim: f"{lim.cpu_seconds:g} CPU seconds",
    "memory": lambda lim: f"{lim.memory_mb} MB of memory",
    "processes": lambda lim: f"{lim.processes} processes",
    "file_size": lambda lim: f"{lim.file_size_mb} MB per file",
    "wall": lambda lim: f"{lim.wall_seconds:g} seconds of wall time",
    "output": lambda lim: f"{lim.output_bytes} bytes of output",
}
_SYSCALL = (
    "it made a system call the sandbox forbids (ptrace, process memory, kernel modules, "
    "open by handle, or another architecture's calls) and was killed by the seccomp filter"
)
KILLED = (*_LIMIT_SHOWN, "syscall")


@dataclass(frozen=True)
class Outcome:
    tool: str
    sandboxed: bool  # False only under sandbox.unsafe_run_unsandboxed
    exit_code: int | None  # None when the runner killed it
    killed: str | None  # the limit that ended it: cpu, memory, processes, ...
    stdout: bytes
    stderr: bytes
    reply: dict[str, Any] | None  # a callable's reply (child.py), decoded JSON
    limits: Limits
    connections: tuple[Connection, ...] = ()
    direct: Attempts = field(default_factory=Attempts)  # network tried around the proxy
    refused: tuple[Refusal, ...] = ()  # file calls refused that reached outside (trace.py)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_mb: float = 0.0  # largest address space seen (sampled)
    truncated: bool = False
    shown: tuple[str, ...] = field(default=())  # the declared paths it could see

    @property
    def ok(self) -> bool:
        """It ran to the end, exited 0, and a callable returned a value."""
        replied = self.reply is None or self.reply.get("ok") is True
        return self.killed is None and self.exit_code == 0 and replied

    @property
    def denied(self) -> tuple[Connection, ...]:
        return tuple(c for c in self.connections if not c.allowed)

    @property
    def error(self) -> str | None:
        """What a callable raised, as ``Type: message``."""
        if self.reply is None or self.reply.get("ok") is True:
            return None
        return f"{self.reply.get('error')}: {self.reply.get('message')}"

    def text(self) -> str:
        """What the model would read: stdout, a callable's value, stderr marked."""
        parts = [self.stdout.decode("utf-8", errors="replace")]
        if self.reply is not None:
            if self.reply.get("ok") is True:
                value = self.reply.get("value")
                parts.append(value if isinstance(value, str) else _json(value))
            else:
                parts.append(self.error or "")
        err = self.stderr.decode("utf-8", errors="replace")
        if err:
            parts.append(f"[stderr]\n{err}")
        return "\n".join(p for p in parts if p)

    def summary(self) -> str:
        how = f"exit {self.exit_code}" if self.killed is None else f"killed ({self.killed})"
        text = (
            f"{self.tool}: {how} after {self.wall_seconds:.3f} s, cpu {self.cpu_seconds:.3f} s, "
            f"address space {self.peak_mb:.0f} MB"
        )
        if self.connections:
            shown = ", ".join(f"{c} {'ok' if c.allowed else 'refused'}" for c in self.connections)
            text += f"; connections: {shown}"
        if self.direct.total:
            text += f"; direct network attempts: {self.direct}"
        if self.error:
            text += f"; raised {self.error[:200]}"
        if self.truncated:
            text += "; output cut at the limit"
        return text


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


def findings(outcome: Outcome) -> list[Finding]:
    """The outcome as evidence for ``Immune.check``: a killed run or a refused
    connection stops the result; the rest is on the record (info)."""
    found = [
        Finding(
            layer=LAYER,
            code="sandbox.outcome",
            severity=Severity.INFO,
            score=0.0,
            message=outcome.summary(),
        )
    ]
    if not outcome.sandboxed:
        found.append(
            Finding(
                layer=LAYER,
                code="sandbox.unsandboxed",
                severity=Severity.INFO,
                score=0.0,
                message=(
                    f"{outcome.tool} ran WITHOUT a sandbox (sandbox.unsafe_run_unsandboxed): "
                    "only the clean environment and the resource limits applied"
                ),
            )
        )
    if outcome.killed is not None:
        found.append(killed_finding(outcome.tool, outcome.killed, outcome.limits))
    seen = set()
    for refusal in outcome.refused:  # what the tracer saw the kernel refuse
        if refusal.reached in seen:
            continue
        seen.add(refusal.reached)
        what = "write" if refusal.writing else "reach"
        found.append(
            _path_finding(
                outcome.tool,
                refusal.reached,
                f"tried to {what} {refusal.reached}, outside its declared paths, and the "
                f"sandbox refused: {refusal}",
            )
        )
    path = denied_path(outcome)  # a callable's own error, when the tracer saw none
    if path is not None and path not in seen:
        found.append(
            _path_finding(
                outcome.tool,
                path,
                f"reached for {path}, outside its declared paths: {outcome.error}",
            )
        )
    for connection in outcome.denied:
        found.append(
            Finding(
                layer=LAYER,
                code="sandbox.denied.connect",
                severity=Severity.HIGH,
                score=1.0,
                message=f"{outcome.tool} tried to connect to {connection}: {connection.reason}",
                evidence=str(connection),
                action=Action.BLOCK,
            )
        )
    if outcome.direct.total:
        found.append(
            Finding(
                layer=LAYER,
                code="sandbox.denied.network",
                severity=Severity.HIGH,
                score=1.0,
                message=(
                    f"{outcome.tool} tried to reach the network around its egress proxy, "
                    f"and the sandbox had nowhere to take it: {outcome.direct}"
                ),
                evidence=str(outcome.direct),
                action=Action.BLOCK,
            )
        )
    return found


def _path_finding(tool: str, path: str, what: str) -> Finding:
    return Finding(
        layer=LAYER,
        code="sandbox.denied.path",
        severity=Severity.HIGH,
        score=1.0,
        message=f"{tool} {what}",
        evidence=path,
        action=Action.BLOCK,
    )


def denied_path(outcome: Outcome) -> str | None:
    """The path a callable failed on because the sandbox refused it: written where it
    may only read (EROFS, EACCES, EPERM), or hidden (it exists outside but not inside)."""
    reply = outcome.reply or {}
    path, code = reply.get("filename"), reply.get("errno")
    if not isinstance(path, str) or not path.startswith("/") or not outcome.sandboxed:
        return None
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return path
    if code == errno.ENOENT and os.path.lexists(path):
        real = os.path.realpath(path)  # a link inside may lead outside what was declared
        if not _declared(path, outcome.shown) or (
            os.path.exists(real) and not _declared(real, outcome.shown)
        ):
            return path
    return None


def _declared(path: str, shown: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in shown)


def killed_finding(tool: str, limit: str, limits: Limits) -> Finding:
    if limit == "syscall":
        why, severity = _SYSCALL, Severity.HIGH
    else:
        why, severity = f"it went over its limit of {_LIMIT_SHOWN[limit](limits)}", Severity.MEDIUM
    return Finding(
        layer=LAYER,
        code=f"sandbox.killed.{limit}",
        severity=severity,
        score=1.0,
        message=f"{tool} was stopped: {why}",
        action=Action.BLOCK,
    )


def unavailable_finding(tool: str, why: str) -> Finding:
    return Finding(
        layer=LAYER,
        code="sandbox.unavailable",
        severity=Severity.HIGH,
        score=1.0,
        message=f"{tool} must run sandboxed, but this host cannot: {why}; refused",
        action=Action.BLOCK,
    )
