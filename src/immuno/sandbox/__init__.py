"""Sandboxed tool execution with bubblewrap.

A tool run sandboxed sees an empty root with the system's programs, its declared paths
and a private /tmp; it has new namespaces, no capability, a seccomp filter, rlimits, a
clean environment, and no network but an egress proxy to its declared hosts. Its output
is checked as an untrusted tool result, with what happened (exit, the limit that killed
it, refused connections) sealed beside the verdict. See docs/sandbox.md.
"""

from immuno.sandbox.egress import Connection, EgressProxy
from immuno.sandbox.host import Support, probe, support
from immuno.sandbox.outcome import Outcome
from immuno.sandbox.run import Options, run_callable, run_command
from immuno.sandbox.sdk import SandboxRun, ToolFailed, run_sandboxed
from immuno.sandbox.spec import STRICT, HostRule, Limits, SandboxSpec, host_rule

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
