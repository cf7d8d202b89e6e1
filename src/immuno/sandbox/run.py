"""Run a command or a Python callable in a sandbox and say what came of it.

    outcome = run_command(spec, ["wc", "-l", "/srv/data/x.csv"], tool="data.count")
    outcome = run_callable(spec, module.func, (arg,), {}, tool="report.build")

The runner starts bubblewrap (bwrap.py) with the rlimits set (limits.py), reads
stdout, stderr and a callable's reply up to the output limit, counts the sandbox's
processes, and kills the whole sandbox (its pid namespace) at the first limit crossed:
output, processes, wall time. CPU, memory and file size are the kernel's to enforce;
the exit status says which one did. A tool that declares hosts gets its own egress
proxy (egress.py) for the run. Before bubblewrap lets the tool start, the runner opens
the sandbox's network counters (netcount.py) and seizes it with the tracer of its file
calls (trace.py, judged by files.py); if either fails, the tool never runs. The outcome
is facts only; ``sdk.py`` turns it into a verdict.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import marshal
import os
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from immuno.core.errors import ConfigError, InputError
from immuno.sandbox import bwrap as bw
from immuno.sandbox import child as child_module
from immuno.sandbox import limits as lim
from immuno.sandbox import seccomp
from immuno.sandbox.egress import EgressProxy, Resolver, system_resolver
from immuno.sandbox.files import Judge
from immuno.sandbox.netcount import Attempts
from immuno.sandbox.outcome import Outcome
from immuno.sandbox.spec import SandboxSpec
from immuno.sandbox.trace import Tracer
from immuno.sandbox.watch import Watch

PROXY_PORT = 3128  # on the sandbox's own loopback
CHILD = os.path.abspath(child_module.__file__)
# child.py imported (from its compiled cache) rather than run as a script, which would
# compile it on every call; then its folder leaves sys.path so no tool module is shadowed
_BOOT = (
    f"import sys; sys.path.insert(0, {os.path.dirname(CHILD)!r}); import child; "
    "del sys.path[0], sys.modules['child']; sys.exit(child.main(sys.argv[1:]))"
)
PYTHON = [sys.executable, "-I", "-S", "-B", "-c", _BOOT]


@dataclass(frozen=True)
class Options:
    """How to run, beyond the tool's spec."""

    bwrap: str | None  # None: run without a sandbox (only when the operator said so)
    hidden: tuple[str, ...] = ()  # folders never shown inside (the immuno store)
    resolver: Resolver = system_resolver
    extra_runtime: tuple[str, ...] = field(default=())


@functools.cache
def python_runtime() -> tuple[str, ...]:
    """What a Python callable needs to start: the interpreter, its standard library,
    site-packages, and the immuno package (for child.py). Read-only inside."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        os.path.dirname(os.path.dirname(CHILD)),  # the immuno package
        *(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")),
    }
    kept = set()
    for path in paths:
        real = os.path.realpath(path)
        if os.path.exists(real) and not real.startswith(("/usr/", "/bin/", "/lib")):
            kept.add(real)
        if os.path.exists(path) and path != real and not path.startswith("/usr/"):
            kept.add(path)
    outer = [p for p in kept if not any(p != q and p.startswith(q + "/") for q in kept)]
    return tuple(sorted(outer))


@functools.cache
def site_packages() -> list[str]:
    """Where installed packages are (the child starts without ``site``: faster)."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys(paths[k] for k in ("purelib", "platlib")))


def module_of(func: Callable[..., Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """How the child finds ``func`` (module, file, qualname, import roots) and what must
    be bound for it: its top-level package, or its own file."""
    target = func
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", "")
    loaded = sys.modules.get(module or "")
    file = getattr(loaded, "__file__", None)
    if not module or file is None or "<locals>" in qualname or "<lambda>" in qualname:
        raise ConfigError(
            "sandbox", f"{qualname or func!r}: a sandboxed callable must be a module-level function"
        )
    path = Path(file).resolve()
    if module == "__main__":
        return {"module": module, "file": str(path), "qualname": qualname, "roots": []}, (
            str(path),
        )
    depth = len(module.split(".")) + (1 if path.name == "__init__.py" else 0)
    root = path.parents[depth - 1]
    top = root / module.split(".")[0]
    shown = (str(top),) if top.is_dir() else (str(path), *_compiled(path))
    header = {"module": module, "file": str(path), "qualname": qualname, "roots": [str(root)]}
    return header, shown


def _compiled(source: Path) -> tuple[str, ...]:
    """A lone module's compiled cache, so the child need not compile it each call."""
    cached = importlib.util.cache_from_source(str(source))
    return (cached,) if os.path.exists(cached) else ()


def run_command(
    spec: SandboxSpec,
    command: Sequence[str],
    *,
    tool: str,
    options: Options,
    stdin: bytes = b"",
) -> Outcome:
    if not command:
        raise ConfigError("sandbox", "an empty command")
    if spec.hosts and options.bwrap is not None:
        argv = [*PYTHON, "run", str(PROXY_PORT), "--", *command]
        return _run(spec, argv, tool, options, stdin, python_runtime(), None)
    return _run(spec, list(command), tool, options, stdin, (), None)


def run_callable(
    spec: SandboxSpec,
    func: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    *,
    tool: str,
    options: Options,
) -> Outcome:
    header, shown = module_of(func)
    header["nproc"] = spec.limits.processes + 1
    header["site"] = site_packages()
    try:  # plain data only: what an agent's call carries
        payload = marshal.dumps((header, tuple(args), dict(kwargs)))
    except ValueError:
        raise InputError(tool, "a sandboxed tool's arguments must be plain data") from None
    read, write = os.pipe()
    argv = [*PYTHON, "call", str(write)]
    if spec.hosts and options.bwrap is not None:
        argv.append(str(PROXY_PORT))
    try:
        return _run(spec, argv, tool, options, payload, (*python_runtime(), *shown), (read, write))
    finally:
        for fd in (read, write):
            with contextlib.suppress(OSError):
                os.close(fd)


def _run(
    spec: SandboxSpec,
    argv: list[str],
    tool: str,
    options: Options,
    stdin: bytes,
    runtime: tuple[str, ...],
    reply: tuple[int, int] | None,
) -> Outcome:
    with contextlib.ExitStack() as stack:
        proxy = None
        if spec.hosts and options.bwrap is not None:
            proxy = stack.enter_context(
                EgressProxy(spec.hosts, tool=tool, resolver=options.resolver)
            )
        env: dict[str, str] = {}
        fds = [reply[1]] if reply else []
        cwd = None
        judge = None
        if options.bwrap is not None:
            seccomp_r = stack.enter_context(_filled_pipe(_filter(spec)))
            info_r, info_w = os.pipe()
            stack.callback(_close, info_r)
            block_r, block_w = os.pipe()
            stack.callback(_close, block_w)  # after the run: nothing is left to release
            proxy_env = {}
            if proxy is not None:
                url = f"http://127.0.0.1:{PROXY_PORT}"
                for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
                    proxy_env[name] = proxy_env[name.lower()] = url
            layout = bw.Layout(
                spec=spec,
                runtime=(*runtime, *options.extra_runtime),
                hidden=options.hidden,
                protected=python_runtime(),
                socket=proxy.socket_path if proxy else None,
                env=proxy_env,
            )
            try:
                argv = bw.argv(
                    options.bwrap,
                    layout,
                    argv,
                    seccomp_fd=seccomp_r,
                    info_fd=info_w,
                    block_fd=block_r,
                )
            except BaseException:
                _close(info_w)
                _close(block_r)
                raise
            fds += [seccomp_r, info_w, block_r]
            judge = Judge.of(bw.shown(layout), (*spec.read, *spec.write), options.hidden)
        else:
            bw.check_paths(spec, options.hidden, python_runtime())
            info_r, info_w, block_r, block_w = -1, -1, -1, -1
            env = bw.clean_env()
            cwd = stack.enter_context(tempfile.TemporaryDirectory(prefix="immuno-unsandboxed-"))
            env["HOME"] = env["TMPDIR"] = cwd
        started = time.monotonic()
        tracer = Tracer(seccomp.traced(), judge) if judge is not None else None
        if tracer is not None:
            stack.callback(tracer.join)  # also when the start fails
        limited = lim.prlimit_argv(spec.limits)
        proc = subprocess.Popen(
            [*limited, *argv] if limited else argv,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=fds,
            env=env,
            cwd=cwd,
            preexec_fn=None if limited else lim.preexec(spec.limits),
            start_new_session=True,
        )
        _close(info_w)
        _close(block_r)
        if reply is not None:
            _close(reply[1])
        if stdin:
            assert proc.stdin is not None
            threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
        sandboxed = options.bwrap is not None
        watch = Watch(
            proc,
            spec,
            info_r if sandboxed else None,
            reply,
            started,
            block=block_w if sandboxed else None,
            tracer=tracer,
        )
        watch.loop()
        _, status, usage = os.wait4(proc.pid, 0)
        if watch.network is not None:
            stack.callback(watch.network.close)
        if tracer is not None:
            tracer.join()
        failure = watch.failure or (tracer.failure if tracer is not None else None)
        if failure is not None:  # refused: the tool never started, or was cut short
            raise OSError(failure.errno, f"it could not be watched: {failure}")
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        # bubblewrap's pid-1 does not hand its children's usage up: what the watch saw
        cpu = max(watch.cpu, usage.ru_utime + usage.ru_stime) if not options.bwrap else watch.cpu
        peak = watch.peak_mb
        decoded = _decode(watch.reply) if reply is not None and watch.killed is None else None
        error = decoded.get("error") if decoded and decoded.get("ok") is not True else None
        code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
        killed = watch.killed or lim.killed_by(
            spec.limits, code, cpu, peak, error if isinstance(error, str) else None
        )
        if reply is not None and decoded is None and watch.killed is None and killed is None:
            decoded = {"ok": False, "error": "NoReply", "message": "the callable gave no reply"}
        return Outcome(
            tool=tool,
            sandboxed=options.bwrap is not None,
            exit_code=None if watch.killed else code,
            killed=killed,
            stdout=bytes(watch.out),
            stderr=bytes(watch.err),
            reply=decoded,
            limits=spec.limits,
            connections=tuple(proxy.connections) if proxy else (),
            direct=watch.network.read() if watch.network is not None else Attempts(),
            refused=tuple(tracer.kept) if tracer is not None else (),
            wall_seconds=wall,
            cpu_seconds=cpu,
            peak_mb=peak,
            truncated=watch.killed == "output",
            shown=(*spec.read, *spec.write),
        )
    raise AssertionError("unreachable")  # pragma: no cover  (mypy: ExitStack may swallow)


def _filter(spec: SandboxSpec) -> bytes:
    return seccomp.program(single_process=spec.limits.processes == 1)


@contextlib.contextmanager
def _filled_pipe(data: bytes) -> Iterator[int]:
    read, write = os.pipe()
    try:
        with os.fdopen(write, "wb") as out:
            out.write(data)  # a filter is a few KB: well under a pipe's buffer
        yield read
    finally:
        _close(read)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError):
        stream.write(data)
    with contextlib.suppress(OSError):
        stream.close()


def _decode(raw: bytearray) -> dict[str, Any] | None:
    try:
        value = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
