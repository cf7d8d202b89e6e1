"""Sandboxed tool execution: what bubblewrap and the runner add, next to the bare thing
in the same run (the two alternate, so load on the machine falls on both alike).

    python benchmarks/sandbox_speed.py [--runs 200]

- a trivial command (``true``): ``run_command`` under the strictest sandbox (every
  namespace, seccomp, rlimits, the process watchdog) against ``subprocess.run``;
  target: at most 10 ms more;
- a Python callable: ``run_callable`` (a fresh interpreter in the sandbox imports the
  function, calls it, and sends the value back as JSON) against calling it in process;
  target: at most 60 ms more;
- for reference: ``bwrap --ro-bind / / true`` with no namespace beyond mount, and
  ``python -I -S -c pass`` bare and sandboxed, so the shares of bubblewrap, of the
  interpreter's start and of the runner inside (child.py) show.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from _sandbox_probe import summarise
from immuno.sandbox import STRICT, Options, SandboxSpec, probe, run_callable, run_command
from immuno.sandbox.run import python_runtime

TEXT = "quarterly figures attached; please review the supplier list " * 20


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    support = probe()
    if not support.ok:
        sys.exit("this host cannot sandbox: " + "; ".join(support.missing))
    assert support.bwrap is not None
    options = Options(bwrap=support.bwrap)
    with_python = SandboxSpec(read=python_runtime())  # the interpreter, as a command
    check = run_callable(STRICT, summarise, (TEXT, 12), {}, tool="bench", options=options)
    assert check.reply == {"ok": True, "value": summarise(TEXT, 12)}, check.summary()
    cases: dict[str, Callable[[], object]] = {
        "true, bare": lambda: subprocess.run(["true"], check=True),
        "true, sandboxed": lambda: run_command(STRICT, ["true"], tool="bench", options=options),
        "callable, in process": lambda: summarise(TEXT, 12),
        "callable, sandboxed": lambda: run_callable(
            STRICT, summarise, (TEXT, 12), {}, tool="bench", options=options
        ),
        "bwrap, mount namespace only": lambda: subprocess.run(
            [support.bwrap, "--ro-bind", "/", "/", "true"], check=True
        ),
        "python -I -S -c pass": lambda: subprocess.run(
            [sys.executable, "-I", "-S", "-c", "pass"], check=True
        ),
        "python -I -S -c pass, sandboxed": lambda: run_command(
            with_python, [sys.executable, "-I", "-S", "-c", "pass"], tool="bench", options=options
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            samples[name].append(timed(fn))
    median = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in median.items():
        print(f"{name:32} median {value:9.3f} ms")
    command = median["true, sandboxed"] - median["true, bare"]
    ratio = median["true, sandboxed"] / median["true, bare"]
    print(
        f"command overhead: {command:.1f} ms ({ratio:.1f}x bare; target <= 10 ms: "
        f"{'met' if command <= 10 else 'MISSED'})"
    )
    call = median["callable, sandboxed"] - median["callable, in process"]
    print(
        f"callable overhead: {call:.1f} ms (target <= 60 ms: {'met' if call <= 60 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
