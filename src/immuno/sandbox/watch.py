"""Watching a sandboxed run from outside: read its pipes within the output limit,
count its processes, keep time, and kill the whole sandbox at the first limit crossed.
Once bubblewrap names the sandbox's first process, and before it lets the tool start,
the watch opens the namespace's network counters (netcount.py) and starts the tracer of
its file calls (trace.py)."""

from __future__ import annotations

import contextlib
import json
import os
import select
import selectors
import signal
import subprocess
import time

from immuno.sandbox import limits as lim
from immuno.sandbox.netcount import Counters
from immuno.sandbox.spec import SandboxSpec
from immuno.sandbox.trace import Tracer


class Watch:
    """Reads the pipes within the limits and kills the sandbox at the first one crossed."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        spec: SandboxSpec,
        info: int | None,
        reply: tuple[int, int] | None,
        started: float,
        block: int | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.proc = proc
        self.limits = spec.limits
        self.deadline = started + spec.limits.wall_seconds
        self.out = bytearray()
        self.err = bytearray()
        self.reply = bytearray()
        self.info = bytearray()
        self.killed: str | None = None
        self.peak_mb = 0.0  # largest address space seen
        self.cpu = 0.0  # CPU seconds of the live processes, as last seen
        self.root: int | None = None if info is not None else proc.pid
        self.root_fd: int | None = None
        self.block = block  # bubblewrap waits on it before starting the tool
        self.network: Counters | None = None
        self.tracer = tracer  # started on the sandbox's first process, before the tool
        self.failure: OSError | None = None  # the sandbox could not be watched: not run
        self.selector = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        self.selector.register(proc.stdout.fileno(), selectors.EVENT_READ, self.out)
        self.selector.register(proc.stderr.fileno(), selectors.EVENT_READ, self.err)
        if info is not None:
            self.selector.register(info, selectors.EVENT_READ, self.info)
        if reply is not None:
            self.selector.register(reply[0], selectors.EVENT_READ, self.reply)

    def loop(self) -> None:
        try:
            while self.selector.get_map() and self.killed is None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    self.kill("wall")
                    break
                for key, _ in self.selector.select(min(left, lim.POLL_SECONDS)):
                    self._read(key)
                self._count()
            while self.killed is None and not self._exited():
                # the pipes are closed but something still runs: wait within the limits
                if time.monotonic() >= self.deadline:
                    self.kill("wall")
                    break
                time.sleep(lim.POLL_SECONDS)
                self._count()
        finally:
            self.selector.close()
            if self.root_fd is not None:
                os.close(self.root_fd)
                self.root_fd = None
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()

    def _count(self) -> None:
        if self.root is None or self.killed is not None:
            return
        if self.tracer is not None and self.tracer.failure is not None:
            self.failure = self.tracer.failure  # unwatched: the tool must not go on
            self.kill("unobserved")
            return
        pids = lim.processes(self.root, self.limits.processes)
        if len(pids) > self.limits.processes:
            self.kill("processes")
            return
        largest, cpu = lim.usage(pids)
        self.peak_mb = max(self.peak_mb, largest)
        self.cpu = max(self.cpu, cpu)

    def _exited(self) -> bool:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        return os.waitid(os.P_PID, self.proc.pid, flags) is not None

    def _read(self, key: selectors.SelectorKey) -> None:
        buffer: bytearray = key.data
        data = os.read(key.fd, 65536)
        if not data:
            self.selector.unregister(key.fd)
            return
        if buffer is self.info:
            if self.root is None:  # bubblewrap writes it once, before the tool starts
                buffer.extend(data)
                self._found_root()
            return
        buffer.extend(data)
        used = len(self.out) + len(self.err) + len(self.reply)
        if used > self.limits.output_bytes:
            over = used - self.limits.output_bytes
            del buffer[len(buffer) - over :]
            self.kill("output")

    def _found_root(self) -> None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            self.root = int(json.loads(bytes(self.info))["child-pid"])
        if self.root is None:
            return
        # bubblewrap has not reaped it yet: a pidfd names this process for good,
        # so a kill can never reach another that later gets the same number
        with contextlib.suppress(OSError):
            self.root_fd = os.pidfd_open(self.root)
        if self.block is None:
            return
        try:  # the tool has not started: it starts once it is counted and traced
            self.network = Counters(self.root)
        except OSError as exc:
            if self._root_alive():  # else bubblewrap failed to build it: its exit says so
                self.failure = exc
                self.kill("unobserved")
            return
        if self.tracer is not None:  # it releases the tool once it has seized it
            self.tracer.seize(self.root, self._release)
        else:
            self._release()

    def _release(self) -> None:
        if self.block is not None:
            with contextlib.suppress(OSError):  # bubblewrap may have died meanwhile
                os.write(self.block, b"x")

    def _root_alive(self) -> bool:
        if self.root_fd is None:
            return False
        poller = select.poll()
        poller.register(self.root_fd, select.POLLIN)
        return not poller.poll(0)  # a pidfd is readable once its process has exited

    def kill(self, why: str) -> None:
        self.killed = why
        if self.root_fd is not None:  # the namespace's init: its death takes every process
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self.root_fd, signal.SIGKILL)
        elif self.root is not None and self.root == self.proc.pid:  # unsandboxed
            with contextlib.suppress(OSError):
                os.kill(self.root, signal.SIGKILL)
        with contextlib.suppress(OSError):  # bubblewrap itself: not reaped, so still ours
            os.killpg(self.proc.pid, signal.SIGKILL)
