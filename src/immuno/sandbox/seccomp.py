"""The seccomp filter every sandboxed process runs under, compiled by libseccomp.

The filter is a deny list on top of the namespaces: the calls a tool never needs and an
escape often does. The most telling kill the process (``KILLED``); the others fail with
EPERM (or ENOSYS for ``clone3``, so the C library falls back to ``clone``, whose flags
the filter can read). The calls that open or change a path go to the runner's tracer
(trace.py), which writes down the ones the kernel refused. Calls made in another
architecture's convention (``int 0x80`` on x86-64) kill the process: libseccomp's
default for a foreign architecture. The program is built by libseccomp through the
``pyseccomp`` bindings (ctypes), never assembled by hand; without them there is no
filter and sandboxed runs are refused (``immuno sandbox check`` says so).
"""

from __future__ import annotations

import errno
import functools
import tempfile
from typing import Any

from immuno.sandbox.trace import CALLS

# Calls no ordinary tool makes and an escape does: reading or steering another
# process, loading kernel code, opening files by handle. They kill the process
# (SIGSYS), so the attempt shows in the outcome (``sandbox.killed.syscall``).
KILLED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "open_by_handle_at",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
)
# Calls a tool does not need, which some programs probe for and cope without: mounts
# and namespaces, keys, raw kernel interfaces. They fail with EPERM.
DENIED = (
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "name_to_handle_at",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fanotify_init",
    "lookup_dcookie",
    "vhangup",
    "mbind",
    "move_pages",
    "migrate_pages",
)

_CLONE_NAMESPACES = (
    0x10000000,  # CLONE_NEWUSER
    0x00020000,  # CLONE_NEWNS
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x02000000,  # CLONE_NEWCGROUP
)
_CLONE_THREAD = 0x00010000
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C
# Socket families a tool may open: AF_UNIX, AF_INET, AF_INET6. The rest (netlink,
# packet, vsock, crypto, bluetooth, ...) fail with EAFNOSUPPORT.
_FAMILIES = (1, 2, 10)
_MAX_FAMILY = 46


class SeccompUnavailable(Exception):
    """The bindings or libseccomp itself are missing."""


def _bindings() -> Any:
    try:
        import pyseccomp
    except (ImportError, OSError, AttributeError) as exc:  # the module dlopens libseccomp
        raise SeccompUnavailable(
            f"pyseccomp/libseccomp not usable ({exc}): pip install 'immuno[sandbox]', "
            "apt-get install libseccomp2"
        ) from None
    return pyseccomp


def available() -> str | None:
    """None when a filter can be built, else why not."""
    try:
        program(single_process=False)
    except SeccompUnavailable as exc:
        return str(exc)
    return None


@functools.cache
def traced() -> dict[int, str]:
    """The calls the tracer follows, by number on this machine (those it has)."""
    sc = _bindings()
    found = {}
    for name in CALLS:
        number = sc.resolve_syscall(sc.Arch.NATIVE, name)
        if isinstance(number, int) and number >= 0:
            found[number] = name
    return found


@functools.cache
def program(*, single_process: bool, traced_calls: bool = True) -> bytes:
    """The compiled BPF program. ``single_process``: also refuse every new process
    (``fork``, ``vfork``, ``clone`` without CLONE_THREAD); threads stay allowed.
    ``traced_calls``: the file calls go to the tracer (off only to probe the host)."""
    sc = _bindings()
    try:
        rules = sc.SyscallFilter(defaction=sc.ALLOW)
        for name in traced().values() if traced_calls else ():  # no tracer: ENOSYS
            rules.add_rule(sc.TRACE(0), name)
        for name in KILLED:
            rules.add_rule(sc.KILL_PROCESS, name)
        deny = sc.ERRNO(errno.EPERM)
        for name in DENIED:
            rules.add_rule(deny, name)
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
        for flag in _CLONE_NAMESPACES:
            rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
        for request in (_TIOCSTI, _TIOCLINUX):
            rules.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
        rules.add_rule(deny, "personality", sc.Arg(0, sc.NE, 0xFFFFFFFF))
        no_family = sc.ERRNO(errno.EAFNOSUPPORT)
        for family in range(_MAX_FAMILY):
            if family not in _FAMILIES:
                rules.add_rule(no_family, "socket", sc.Arg(0, sc.EQ, family))
        if single_process:
            again = sc.ERRNO(errno.EAGAIN)
            rules.add_rule(again, "fork")
            rules.add_rule(again, "vfork")
            rules.add_rule(again, "clone", sc.Arg(0, sc.MASKED_EQ, _CLONE_THREAD, 0))
        with tempfile.TemporaryFile() as out:
            rules.export_bpf(out)
            out.seek(0)
            return out.read()
    except (OSError, ValueError, RuntimeError) as exc:
        raise SeccompUnavailable(f"libseccomp could not build the filter ({exc})") from None
