"""Sandboxed tool execution with bubblewrap.

A tool run sandboxed sees an empty root with the system's programs, its declared paths
and a private /tmp; it has new namespaces, no capability, a seccomp filter, rlimits, a
clean environment, and no network but an egress proxy to its declared hosts. Its output
is checked as an untrusted tool result, with what happened (exit, the limit that killed
it, refused connections) sealed beside the verdict. See docs/sandbox.md.

The names below load on first use: the manifest parser imports ``immuno.sandbox.spec``
on every start, and the runner (asyncio for the egress proxy) is needed only to run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from immuno.sandbox.egress import Connection, EgressProxy
    from immuno.sandbox.host import Support, probe, support
    from immuno.sandbox.outcome import Outcome
    from immuno.sandbox.run import Options, run_callable, run_command
    from immuno.sandbox.sdk import SandboxRun, ToolFailed, run_sandboxed
    from immuno.sandbox.spec import STRICT, HostRule, Limits, SandboxSpec, host_rule

_WHERE = {
    "Connection": "egress",
    "EgressProxy": "egress",
    "Support": "host",
    "probe": "host",
    "support": "host",
    "Outcome": "outcome",
    "Options": "run",
    "run_callable": "run",
    "run_command": "run",
    "SandboxRun": "sdk",
    "ToolFailed": "sdk",
    "run_sandboxed": "sdk",
    "STRICT": "spec",
    "HostRule": "spec",
    "Limits": "spec",
    "SandboxSpec": "spec",
    "host_rule": "spec",
}
__all__ = [
    "STRICT",
    "Connection",
    "EgressProxy",
    "HostRule",
    "Limits",
    "Options",
    "Outcome",
    "SandboxRun",
    "SandboxSpec",
    "Support",
    "ToolFailed",
    "host_rule",
    "probe",
    "run_callable",
    "run_command",
    "run_sandboxed",
    "support",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'immuno.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"immuno.sandbox.{_WHERE[name]}"), name)
