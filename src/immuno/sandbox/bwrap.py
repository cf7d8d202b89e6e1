"""The bubblewrap command line for one sandboxed run.

The sandbox root is empty (a tmpfs) with, read-only: the system's programs and libraries
(``/usr`` and the ``/bin``, ``/lib`` links), a few files of ``/etc`` that programs read
to start (never ``shadow``, ``ssl/private`` or the rest), and the Python interpreter and
packages a callable needs; then the tool's declared paths, read-only or read-write; a
private ``/tmp`` (a tmpfs of at most ``memory_mb``); a fresh ``/dev`` and ``/proc``;
the root itself is then made read-only. Every namespace is new (user, pid,
network, mount, IPC, UTS, cgroup where the kernel has it), no capability is kept, no
user namespace can be made inside, and the seccomp filter is loaded last. The
immuno store's folder is hidden under an empty read-only tmpfs wherever a declared
path would show it.
"""

from __future__ import annotations

import atexit
import functools
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from immuno.core.errors import ConfigError
from immuno.sandbox.spec import SandboxSpec

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What programs read of /etc to start and to name users and hosts, and the CA
# certificates for TLS through the egress proxy. Each bind costs a few hundred
# microseconds of every run, so the list is short.
ETC_FILES = (
    "ld.so.cache",
    "localtime",
    "nsswitch.conf",
    "passwd",
    "group",
    "hosts",
    "alternatives",
    "ssl/certs",
)
SOCKET_DIR = "/run/immuno"  # where the egress socket appears inside
SANDBOX_HOME = "/tmp"


@dataclass(frozen=True)
class Layout:
    """What one run shows the sandboxed process, on top of the system."""

    spec: SandboxSpec
    runtime: tuple[str, ...] = ()  # interpreter, packages: read-only, same path
    hidden: tuple[str, ...] = ()  # never shown: the immuno store, keys, the passphrase
    protected: tuple[str, ...] = ()  # never writable: the caller's interpreter and packages
    socket: str | None = None  # the egress proxy's socket, outside
    env: Mapping[str, str] = field(default_factory=dict)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The only environment a sandboxed process sees: nothing of the caller's."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra or {})
    return env


@functools.cache
def _etc() -> tuple[str, ...]:
    return tuple(f"/etc/{n}" for n in ETC_FILES if os.path.exists(f"/etc/{n}"))


def _system(argv: list[str]) -> None:
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for name in _etc():
        argv += ["--ro-bind", name, name]


@functools.cache
def _empty_file() -> str:
    """An empty read-only file to lay over a secret file (a device node like /dev/null
    cannot be read on bubblewrap's nodev binds)."""
    handle, path = tempfile.mkstemp(prefix="immuno-empty-")
    os.close(handle)
    os.chmod(path, 0o444)
    atexit.register(os.unlink, path)
    return path


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def check_paths(spec: SandboxSpec, hidden: Sequence[str], protected: Sequence[str] = ()) -> None:
    """Declared paths must exist and must not lie inside a hidden folder; a writable
    one must neither hold nor lie inside the caller's interpreter and packages (the
    tool could rewrite code the caller runs next)."""
    for kind, paths in (("read", spec.read), ("write", spec.write)):
        where = f"{spec.where}: sandbox.paths.{kind}"
        for path in paths:
            if not os.path.exists(path):
                raise ConfigError(where, f"{path} does not exist")
            real = os.path.realpath(path)
            for folder in hidden:
                if _inside(real, folder):
                    raise ConfigError(where, f"{path} is inside immuno's own {folder}; refused")
            for code in protected if kind == "write" else ():
                if _inside(real, code) or _inside(code, real):
                    raise ConfigError(
                        where,
                        f"{path} would make {code} writable: the tool could rewrite the "
                        "Python code the caller runs; refused",
                    )


def shown(layout: Layout) -> tuple[str, ...]:
    """Every host path a sandbox with this layout shows, at the same path."""
    spec = layout.spec
    system = tuple(p for p in SYSTEM_DIRS if os.path.exists(p))
    return (*system, *_etc(), *layout.runtime, *spec.read, *spec.write)


def argv(
    bwrap: str,
    layout: Layout,
    command: Sequence[str],
    *,
    seccomp_fd: int,
    info_fd: int,
    block_fd: int,
) -> list[str]:
    """The full argv: bwrap, its options, then the command. bubblewrap holds the
    command back, its sandbox built, until a byte (or the end) comes on ``block_fd``."""
    spec = layout.spec
    check_paths(spec, layout.hidden, layout.protected)
    out = [
        bwrap,
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
        "--tmpfs",
        "/",
    ]
    _system(out)
    tmp_size = str(spec.limits.memory_mb * 1024 * 1024)  # /tmp is memory: count it so
    out += ["--dev", "/dev", "--proc", "/proc", "--size", tmp_size, "--tmpfs", "/tmp"]
    out += ["--dir", "/run"]
    for path in sorted(set(layout.runtime), key=len):
        out += ["--ro-bind", path, path]
    binds = [(p, "--ro-bind") for p in spec.read] + [(p, "--bind") for p in spec.write]
    for path, how in sorted(binds, key=lambda b: Path(b[0]).parts):
        out += [how, path, path]
    shown = [*layout.runtime, *spec.read, *spec.write]
    for folder in layout.hidden:
        if any(_inside(folder, os.path.realpath(p)) or _inside(folder, p) for p in shown):
            if os.path.isfile(folder):  # a key or a passphrase: an empty file instead
                out += ["--ro-bind", _empty_file(), folder]
                continue
            # made first when missing, so a tool cannot plant a store for immuno to open
            os.makedirs(folder, mode=0o700, exist_ok=True)
            out += ["--tmpfs", folder, "--remount-ro", folder]  # empty, and stays so
    if layout.socket is not None:
        out += ["--dir", SOCKET_DIR, "--ro-bind", layout.socket, f"{SOCKET_DIR}/egress.sock"]
    out += ["--remount-ro", "/", "--chdir", SANDBOX_HOME, "--clearenv"]
    for key, value in clean_env(layout.env).items():
        out += ["--setenv", key, value]
    out += ["--info-fd", str(info_fd), "--block-fd", str(block_fd)]
    out += ["--seccomp", str(seccomp_fd), "--", *command]
    return out
