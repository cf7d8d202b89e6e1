"""Resource limits of a sandboxed run: kernel rlimits set before bubblewrap starts (by
``prlimit``, else in the forked child), a
process count watched from outside, and what a dead run's status says about which
limit ended it.

CPU seconds, address space and file size are rlimits (inherited by every process of
the sandbox, each on its own). The number of processes is counted from outside: the
runner walks the sandbox's process tree (``/proc/PID/task/TID/children``) every few
milliseconds and kills the whole sandbox once it holds more than the limit. This works
whoever the caller is; ``RLIMIT_NPROC`` does not bind root (the kernel exempts uid 0),
and a fork bomb outruns no poll by more than a few milliseconds' worth of forks.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from collections.abc import Callable

from immuno.sandbox.spec import Limits

MB = 1024 * 1024
POLL_SECONDS = 0.003
# A Python callable reports these failures itself (child.py), with these names.
MEMORY_ERROR = "MemoryError"
FILE_SIZE_ERROR = f"OSError:{errno.EFBIG}"


def rlimits(limits: Limits) -> list[tuple[int, tuple[int, int]]]:
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    memory = limits.memory_mb * MB
    size = limits.file_size_mb * MB
    return [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),  # SIGXCPU at the soft limit, SIGKILL after
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_FSIZE, (size, size)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]


PRLIMIT = "/usr/bin/prlimit"
_NAMES = {
    resource.RLIMIT_CPU: "cpu",
    resource.RLIMIT_AS: "as",
    resource.RLIMIT_FSIZE: "fsize",
    resource.RLIMIT_CORE: "core",
}


def prlimit_argv(limits: Limits) -> list[str] | None:
    """util-linux's ``prlimit`` in front of bubblewrap: it sets the hard and soft limits
    and execs it, which spares forking the caller's whole process for a ``preexec_fn``
    (about 15 ms for a large caller). None when it is not installed."""
    if not os.access(PRLIMIT, os.X_OK):
        return None
    options = [f"--{_NAMES[which]}={soft}:{hard}" for which, (soft, hard) in rlimits(limits)]
    return [PRLIMIT, *options, "--"]


def preexec(limits: Limits) -> Callable[[], None]:
    """What runs in the forked child before bubblewrap is exec'd."""
    wanted = rlimits(limits)

    def apply() -> None:
        for which, value in wanted:
            resource.setrlimit(which, value)

    return apply


def processes(root: int, stop_above: int) -> list[int]:
    """The processes in the tree under ``root`` (itself excluded), the walk stopped
    once there are more than ``stop_above``; empty once the tree is gone."""
    found: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                    children = [int(c) for c in f.read().split()]
            except OSError:
                continue
            found.extend(children)
            if len(found) > stop_above:
                return found
            todo.extend(children)
    return found


_TICK = os.sysconf("SC_CLK_TCK")


def usage(pids: list[int]) -> tuple[float, float]:
    """(largest address space any of these processes has had, in MB; their CPU seconds)
    right now. The peak (``VmPeak``) is the kernel's, so a poll that comes late still
    sees how far a process went."""
    largest, cpu = 0.0, 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rpartition(b")")[2].split()
            with open(f"/proc/{pid}/status", "rb") as f:
                status = f.read()
        except OSError:
            continue
        # after the command name: state is field 3, utime 14, stime 15
        cpu += (int(fields[11]) + int(fields[12])) / _TICK
        at = status.find(b"VmPeak:")
        if at >= 0:
            largest = max(largest, int(status[at + 7 :].split()[0]) / 1024)
    return largest, cpu


def killed_by(
    limits: Limits,
    status: int | None,
    cpu_seconds: float,
    peak_mb: float,
    child_error: str | None,
) -> str | None:
    """Which limit ended a run the runner did not kill itself: ``status`` is the exit
    status (128 + N for a signal, as bubblewrap reports it), ``peak_mb`` the largest
    address space seen, ``child_error`` what a Python callable's runner reported. None
    when no limit explains it."""
    if child_error == MEMORY_ERROR:
        return "memory"
    if child_error == FILE_SIZE_ERROR:
        return "file_size"
    if status is None or status == 0:
        return None
    sig = status - 128 if status > 128 else -status if status < 0 else 0
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_seconds >= 0.9 * limits.cpu_seconds):
        return "cpu"
    if sig == signal.SIGXFSZ:
        return "file_size"
    if sig == signal.SIGSYS:  # the seccomp filter killed it
        return "syscall"
    # An address-space limit fails allocations; the program then dies its own way. A
    # failed run seen using most of its allowance is taken as having run out.
    if peak_mb >= 0.8 * limits.memory_mb:
        return "memory"
    return None
