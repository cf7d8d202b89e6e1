"""kill -9 while sealing: a verdict the caller saw is never lost, nothing is doubled.

A child process checks signals in a loop and prints each verdict's ``seq`` after
``check`` returned; the test kills it with SIGKILL at a random (seeded) moment, twenty
times on one store. Every printed seq must then hold that signal's entry, every
signal must appear at most once, and the whole log must verify.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from immuno import Config, Immune
from immuno.audit.check import verify_store
from immuno.audit.entry import decode_entry
from immuno.core.config import StoreConfig

ROUNDS = 20
SEED = 20261206
SEALER = Path(__file__).with_name("sealer.py")
STARTUP_SECONDS = 30.0


def _round(store: Path, round_no: int, rng: random.Random) -> list[tuple[int, str]]:
    """Start a sealer, let it seal for a random while, SIGKILL it; its printed lines."""
    proc = subprocess.Popen(
        [sys.executable, str(SEALER), str(store), str(round_no)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        # Wait for the first verdict, so the kill lands while sealing, not at start-up.
        deadline = time.monotonic() + STARTUP_SECONDS
        first = proc.stdout.readline()
        assert first, f"the sealer died before sealing: {proc.stderr.read()[-2000:]!r}"
        assert time.monotonic() < deadline
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    lines = (first + rest).decode().splitlines()
    # A line cut by the kill was never complete: its verdict was not fully reported.
    if lines and not (first + rest).endswith(b"\n"):
        lines.pop()
    printed = []
    for line in lines:
        seq, signal_id = line.split()
        assert seq != "-", f"{signal_id} was answered without being sealed"
        printed.append((int(seq), signal_id))
    return printed


def test_sigkill_while_sealing_loses_no_returned_verdict(tmp_path: Path) -> None:
    store = tmp_path / "immuno.db"
    rng = random.Random(SEED)
    printed: list[tuple[int, str]] = []
    for round_no in range(ROUNDS):
        printed += _round(store, round_no, rng)
    assert len(printed) > ROUNDS  # every round sealed something before its kill

    immune = Immune(Config(store=StoreConfig(path=str(store))))
    try:
        report = verify_store(immune.store, immune.authority.public_bytes)
        rows = immune.store.query("SELECT seq, entry FROM audit_entries ORDER BY seq")
    finally:
        immune.close()
    logged = {int(seq): decode_entry(bytes(entry)).signal.id for seq, entry in rows}
    assert report.size == len(logged) == max(logged) + 1  # contiguous, all verified
    for seq, signal_id in printed:
        assert logged.get(seq) == signal_id, f"seq {seq} was returned for {signal_id}"
    assert len({seq for seq, _ in printed}) == len(printed)  # no seq handed out twice
    ids = list(logged.values())
    assert len(set(ids)) == len(ids)  # no signal sealed twice
