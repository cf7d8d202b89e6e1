"""Can this host sandbox a tool? Each piece is tried for real, not guessed from files."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

from immuno.sandbox import seccomp

PROBE_TIMEOUT = 10.0
_BASE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--cap-drop", "ALL"]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


@dataclass(frozen=True)
class Support:
    bwrap: str | None
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.required)

    @property
    def missing(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if c.required and not c.ok]


def find_bwrap(configured: str | None = None) -> str | None:
    """``configured`` (``sandbox.bwrap``) when given, else the system's bubblewrap."""
    if configured is not None:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in ("/usr/bin/bwrap", "/usr/local/bin/bwrap"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("bwrap")


def _try(bwrap: str, *options: str, fds: tuple[int, ...] = ()) -> tuple[bool, str]:
    try:
        done = subprocess.run(
            [bwrap, *options, *_BASE, "true"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            env={},
            pass_fds=fds,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return done.returncode == 0, done.stderr.strip().splitlines()[-1] if done.stderr else ""


def _version(bwrap: str) -> str:
    try:
        done = subprocess.run(
            [bwrap, "--version"], capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    return done.stdout.strip() or "version unknown"


def _seccomp(bwrap: str) -> Check:
    why = seccomp.available()
    if why is not None:
        return Check("seccomp", False, why)
    read, write = os.pipe()
    try:
        os.write(write, seccomp.program(single_process=False, traced_calls=False))
        os.close(write)
        ok, err = _try(bwrap, "--unshare-user", "--seccomp", str(read), fds=(read,))
    finally:
        os.close(read)
    if not ok:
        return Check("seccomp", False, f"bwrap could not load the filter: {err}")
    return Check("seccomp", True, "libseccomp filter (pyseccomp), loaded by bwrap")


def probe(configured: str | None = None) -> Support:
    """Try every piece: bubblewrap, each namespace, the seccomp filter."""
    bwrap = find_bwrap(configured)
    if bwrap is None:
        where = f"{configured} is not an executable" if configured else "not installed"
        missing = Check("bwrap", False, f"{where} (apt-get install bubblewrap)")
        return Support(None, (missing,))
    checks = [Check("bwrap", True, f"{bwrap} ({_version(bwrap)})")]
    for name, options in (
        ("user and mount namespaces", ("--unshare-user", "--disable-userns")),
        ("pid namespace", ("--unshare-user", "--unshare-pid")),
        ("network namespace", ("--unshare-user", "--unshare-net")),
        ("ipc namespace", ("--unshare-user", "--unshare-ipc")),
        ("uts namespace", ("--unshare-user", "--unshare-uts")),
    ):
        ok, err = _try(bwrap, *options)
        checks.append(Check(name, ok, "works" if ok else err or "refused"))
    ok, err = _try(bwrap, "--unshare-user", "--unshare-cgroup")
    checks.append(Check("cgroup namespace", ok, "works" if ok else err or "refused", False))
    checks.append(_seccomp(bwrap))
    if checks[-1].ok:
        checks.append(_watched(bwrap))
    checks.append(_cgroup())
    checks.append(_processes())
    return Support(bwrap, tuple(checks))


def _watched(bwrap: str) -> Check:
    """A real run of ``true``: its file calls traced (ptrace) and its network counted
    from outside, as every sandboxed run is."""
    from immuno.sandbox.run import Options, run_command
    from immuno.sandbox.spec import STRICT

    try:
        outcome = run_command(STRICT, ["true"], tool="probe", options=Options(bwrap=bwrap))
    except OSError as exc:
        return Check("tracer", False, f"a run could not be watched: {exc}")
    if outcome.exit_code != 0:
        detail = outcome.stderr.decode(errors="replace").strip()[-300:]
        return Check("tracer", False, f"a traced run of true failed: {detail or outcome.summary()}")
    return Check("tracer", True, "file calls traced (ptrace), network counted, from outside")


def _cgroup() -> Check:
    detail = (
        "not used: limits are rlimits (cpu, memory, file size) and a process-count "
        "watchdog; a cgroup would also cap memory and CPU across all of a tool's processes"
    )
    writable = os.access("/sys/fs/cgroup/cgroup.subtree_control", os.W_OK)
    detail += "; a writable cgroup v2 is here" if writable else "; no writable cgroup v2 here"
    return Check("cgroup", True, detail, required=False)


def _processes() -> Check:
    if os.geteuid() == 0:
        detail = "watchdog only: RLIMIT_NPROC does not bind uid 0 (the kernel exempts root)"
    else:
        detail = "watchdog, and RLIMIT_NPROC for Python callables"
    return Check("process limit", True, detail, required=False)


@functools.cache
def support(configured: str | None = None) -> Support:
    """The probe, once per process (and configured path)."""
    return probe(configured)
