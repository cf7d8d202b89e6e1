"""The file calls a sandboxed tool made that the kernel refused, seen from outside.

The seccomp filter (seccomp.py) marks the calls that name a path to open or to change
(``openat``, ``mkdir``, ``unlink``, ``rename``, ``chmod``, ...) for a tracer. This
module is that tracer: the runner's thread ptrace-seizes the sandbox's first process
while bubblewrap holds it back, follows every process and thread it starts, lets each
marked call run, and reads how it ended. The kernel alone decides (read-only mounts,
hidden paths); the tracer only writes down, for a call that failed, its name, its path
and the errno, and ``judge`` keeps the ones that were a reach outside the sandbox
(files.py). A read whose failure could not be a reach (a path the sandbox shows) goes
on without the second stop. A call made while no tracer is attached fails (ENOSYS):
never unseen.

A process under ptrace is no more able than before: it cannot trace (the filter kills
``ptrace``), and the tracer is outside its pid namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import os
import signal
import threading
from collections.abc import Callable

_SEIZE, _CONT, _SYSCALL, _GET_SYSCALL_INFO = 0x4206, 7, 24, 0x420E
_O_SYSGOOD, _O_FORK, _O_VFORK, _O_CLONE, _O_SECCOMP, _O_EXITKILL = (
    0x1,
    0x2,
    0x4,
    0x8,
    0x80,
    0x100000,
)
_OPTIONS = _O_SYSGOOD | _O_FORK | _O_VFORK | _O_CLONE | _O_SECCOMP | _O_EXITKILL
_EVENT_SECCOMP = 7
_OP_EXIT, _OP_SECCOMP = 2, 3
_WALL, _WNOTHREAD = 0x40000000, 0x20000000  # every kind of child; this thread's only
AT_FDCWD = -100
O_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
PATH_MAX = 4096
REFUSED = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT})
MAX_KEPT = 100  # a tool that fails on thousands of paths is named by its first ones

# name: (index of the directory fd or None, index of the path, writes?) for the path a
# call would change or open. ``None`` for writes: judged by the open flags.
CALLS: dict[str, tuple[int | None, int, bool | None]] = {
    "open": (None, 0, None),
    "openat": (0, 1, None),
    "openat2": (0, 1, None),
    "creat": (None, 0, True),
    "truncate": (None, 0, True),
    "mkdir": (None, 0, True),
    "mkdirat": (0, 1, True),
    "mknod": (None, 0, True),
    "mknodat": (0, 1, True),
    "rmdir": (None, 0, True),
    "unlink": (None, 0, True),
    "unlinkat": (0, 1, True),
    "rename": (None, 1, True),
    "renameat": (2, 3, True),
    "renameat2": (2, 3, True),
    "link": (None, 1, True),
    "linkat": (2, 3, True),
    "symlink": (None, 1, True),
    "symlinkat": (1, 2, True),
    "chmod": (None, 0, True),
    "fchmodat": (0, 1, True),
    "chown": (None, 0, True),
    "lchown": (None, 0, True),
    "fchownat": (0, 1, True),
    "utime": (None, 0, True),
    "utimes": (None, 0, True),
    "futimesat": (0, 1, True),
    "utimensat": (0, 1, True),
    "setxattr": (None, 0, True),
    "lsetxattr": (None, 0, True),
    "removexattr": (None, 0, True),
    "lremovexattr": (None, 0, True),
}


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A file call the kernel refused."""

    call: str
    path: str  # as the sandbox saw it, made absolute
    errno: int
    writing: bool
    reached: str = ""  # the host path it went for, once judged

    def __str__(self) -> str:
        code = errno.errorcode.get(self.errno, str(self.errno))
        via = f" (that is {self.reached})" if self.reached and self.reached != self.path else ""
        return f"{self.call} {self.path}{via}: {code}"


class _Info(ctypes.Structure):
    _fields_ = [
        ("op", ctypes.c_uint8),
        ("pad", ctypes.c_uint8 * 3),
        ("arch", ctypes.c_uint32),
        ("ip", ctypes.c_uint64),
        ("sp", ctypes.c_uint64),
        ("nr", ctypes.c_uint64),  # exit: rval (signed)
        ("args", ctypes.c_uint64 * 6),  # exit: is_error in the first byte
        ("ret_data", ctypes.c_uint32),
    ]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.argtypes = (ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p)
_libc.ptrace.restype = ctypes.c_long


def _ptrace(request: int, pid: int, addr: int = 0, data: int = 0) -> int:
    result = int(_libc.ptrace(request, pid, addr, data))
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _info(pid: int) -> _Info:
    info = _Info()
    _ptrace(_GET_SYSCALL_INFO, pid, ctypes.sizeof(info), ctypes.addressof(info))
    return info


class Tracer:
    """One sandbox's tracer: a thread that seizes ``root`` and follows its tree."""

    def __init__(self, names: dict[int, str], judge: Callable[[Refusal], str | None]) -> None:
        self.names = names  # syscall number -> name, for the marked calls
        self.judge = judge
        self.kept: list[Refusal] = []
        self.failure: OSError | None = None
        self._given = threading.Event()
        self._root: int | None = None
        self._release: Callable[[], None] = lambda: None
        self._pending: dict[int, tuple[Refusal, str | None]] = {}  # by thread
        self._mem: dict[int, int] = {}
        # started now, while bubblewrap starts, so seizing costs no thread start later
        self._thread = threading.Thread(target=self._run, name="immuno-sandbox-trace", daemon=True)
        self._thread.start()

    def seize(self, root: int, release: Callable[[], None]) -> None:
        """Seize ``root`` (held back by bubblewrap), then ``release`` it; on failure it
        is not released and ``failure`` says why."""
        self._root, self._release = root, release
        self._given.set()

    def join(self, timeout: float = 5.0) -> None:
        self._given.set()  # a sandbox that never started: nothing to seize
        self._thread.join(timeout)

    def _run(self) -> None:
        self._given.wait()
        if self._root is None:
            return
        try:  # ptrace belongs to the thread that seized: everything happens here
            _ptrace(_SEIZE, self._root, 0, _OPTIONS)
        except OSError as exc:
            self.failure = exc
            return
        try:
            self._release()
            self._loop()
        except Exception as exc:  # its end kills every tracee (EXITKILL): say why
            self.failure = OSError(errno.EIO, f"the tracer failed: {exc!r}")
        finally:
            for fd in self._mem.values():
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _loop(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, _WALL | _WNOTHREAD)
            except ChildProcessError:
                return  # nothing traced is left
            except InterruptedError:  # pragma: no cover  (PEP 475 retries)
                continue
            if not os.WIFSTOPPED(status):
                self._pending.pop(pid, None)
                fd = self._mem.pop(pid, None)
                if fd is not None:
                    os.close(fd)
                continue
            sig, event = os.WSTOPSIG(status), status >> 16
            with contextlib.suppress(ProcessLookupError):  # killed meanwhile
                if sig == signal.SIGTRAP | 0x80:
                    self._exited(pid)
                    _ptrace(_CONT, pid)
                elif sig == signal.SIGTRAP and event == _EVENT_SECCOMP:
                    # stop again once the call has run, if its result could matter
                    _ptrace(_SYSCALL if self._entered(pid) else _CONT, pid)
                elif sig == signal.SIGTRAP or event:  # fork, clone, a new child, a stop
                    _ptrace(_CONT, pid)
                else:  # a signal on its way to the tool: deliver it
                    _ptrace(_CONT, pid, 0, sig)

    def _entered(self, pid: int) -> bool:
        """Note a marked call; False when no failure of it could be a reach (a read
        of what the sandbox shows), which spares the stop after it."""
        info = _info(pid)
        name = self.names.get(info.nr, "")
        if info.op != _OP_SECCOMP or name not in CALLS:
            return False
        args = tuple(info.args)
        dirfd_at, path_at, writes = CALLS[name]
        if name == "openat2":  # the flags are the first field of its struct
            raw = self._read(pid, args[2], 8)
            writes = len(raw) == 8 and bool(int.from_bytes(raw, "little") & O_WRITING)
        elif writes is None:
            writes = bool(args[2 if name == "openat" else 1] & O_WRITING)
        path = self._path(pid, args[path_at], None if dirfd_at is None else args[dirfd_at])
        if not path:
            return False
        refusal = Refusal(name, path, errno.ENOENT, writes)  # the judge resolves /proc ways
        reached = None if writes else self.judge(refusal)
        if not writes and reached is None:
            return False  # a read's reach does not depend on how it fails
        self._pending[pid] = (refusal, reached)
        return True

    def _exited(self, pid: int) -> None:
        entered = self._pending.pop(pid, None)
        if entered is None:
            return
        info = _info(pid)
        if info.op != _OP_EXIT:
            return
        rval = ctypes.c_int64(info.nr).value
        if rval >= 0 or -rval not in REFUSED or len(self.kept) >= MAX_KEPT:
            return
        refusal, reached = entered
        refusal = dataclasses.replace(refusal, errno=-rval)
        if reached is None:
            reached = self.judge(refusal)
        if reached is not None:
            self.kept.append(dataclasses.replace(refusal, reached=reached))

    def _path(self, pid: int, address: int, dirfd: int | None) -> str:
        """The path a call names, made absolute as the tool's process sees it."""
        path = self._string(pid, address)
        if path and not path.startswith("/"):
            path = os.path.join(self._where(pid, dirfd), path)
        return path

    def _where(self, pid: int, dirfd: int | None) -> str:
        fd = None if dirfd is None else ctypes.c_int32(dirfd & 0xFFFFFFFF).value
        link = f"/proc/{pid}/cwd" if fd is None or fd == AT_FDCWD else f"/proc/{pid}/fd/{fd}"
        try:
            return os.readlink(link)
        except OSError:
            return "/"

    def _read(self, pid: int, address: int, size: int) -> bytes:
        fd = self._mem.get(pid)
        if fd is None:
            try:
                fd = self._mem[pid] = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
            except OSError:
                return b""
        try:
            return os.pread(fd, size, address)
        except OSError:
            return b""

    def _string(self, pid: int, address: int) -> str:
        """A NUL-ended string of the tool's memory, read a page at a time (the next
        page may not be mapped)."""
        found = b""
        while len(found) < PATH_MAX and address:
            chunk = self._read(pid, address, 4096 - address % 4096)
            end = chunk.find(b"\0")
            if end >= 0:
                return (found + chunk[:end]).decode("utf-8", errors="replace")
            if not chunk:
                break
            found += chunk
            address += len(chunk)
        return found[:PATH_MAX].decode("utf-8", errors="replace")
