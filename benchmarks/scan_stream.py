"""`immuno scan` over a stream of ~2 KB tool outputs, audit log on.

    .venv/bin/python benchmarks/scan_stream.py [LINES]      (default 20,000)

Feeds JSON lines ``{"id", "text", "source": "tool"}`` whose texts are realistic tool
outputs of 2 KB (JSON records, e-mail threads, markdown documents; one in ten with an
injected instruction, ``_tooloutput.py``) to ``python -m immuno scan`` run as a
subprocess, pinned to one core, in a fresh temporary directory with the default configuration: every
verdict is sealed into the Merkle audit log of the SQLite store there before it is
written out. Prints lines/s (first byte written to last reply read), peak RSS of the
scan process and the target (>= 2,000 lines/s), then runs ``immuno audit verify`` and
checks the log holds exactly one entry per verdict.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _tooloutput import KINDS, injected

TARGET = 2000.0  # lines/s
SIZE = 2048
POOL = 600  # distinct texts, cycled through


def texts() -> list[str]:
    makers = list(KINDS.values())
    pool = []
    for i in range(POOL):
        text = makers[i % len(makers)](SIZE, 100 + i)
        pool.append(injected(text, i) if i % 10 == 9 else text)
    return pool


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    pool = texts()
    lines = [
        json.dumps({"id": str(i), "text": pool[i % POOL], "source": "tool"}).encode() + b"\n"
        for i in range(count)
    ]
    size = sum(map(len, lines)) / max(count, 1)
    with tempfile.TemporaryDirectory(prefix="immuno-scan-") as work:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "immuno", "scan"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=work,
            env=env,
            preexec_fn=_one_core,
        )
        assert proc.stdin is not None and proc.stdout is not None

        def feed() -> None:
            assert proc.stdin is not None
            for line in lines:
                proc.stdin.write(line)
            proc.stdin.close()

        writer = threading.Thread(target=feed)
        launched = time.perf_counter()
        writer.start()
        replies = stopped = flagged = 0
        first = 0.0
        for line in proc.stdout:
            first = first or time.perf_counter()
            reply = json.loads(line)
            assert reply.get("id") == str(replies), f"out of order or failed: {reply}"
            stopped += reply["verdict"] == "block"
            flagged += reply["verdict"] == "flag"
            replies += 1
        last = time.perf_counter()
        writer.join()
        proc.wait()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # Steady state: from the first reply to the last (start-up, about a second of
        # imports and model loading, is paid once per process and reported apart).
        rate = (replies - 1) / (last - first) if replies > 1 else 0.0
        print(
            f"lines {replies:,} of {size / 1024:.1f} KB: {rate:,.0f} lines/s after the first "
            f"reply ({first - launched:.2f} s start-up; {replies / (last - launched):,.0f} "
            f"lines/s with it); blocked {stopped:,}, flagged {flagged:,}; "
            f"exit {proc.returncode}; peak RSS of scan {peak_mb:.0f} MB"
        )
        print(f"target >= {TARGET:,.0f} lines/s: {'met' if rate >= TARGET else 'MISSED'}")
        entries = _audited(work)
        same = "one per verdict" if entries == replies else f"MISMATCH ({replies} verdicts)"
        print(f"audit log verified: {entries:,} entries, {same}")
        if entries != replies or proc.returncode != 0:
            raise SystemExit(1)


def _one_core() -> None:
    """The scan runs on one core (the last one this process may use)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def _audited(work: str) -> int:
    """Entries in the scan's audit log, recomputed by ``immuno audit verify``."""
    done = subprocess.run(
        [sys.executable, "-m", "immuno", "audit", "verify"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"(\d+) entries recomputed", done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"immuno audit verify failed: {done.stdout}{done.stderr}")
    return int(found.group(1))


if __name__ == "__main__":
    main()
