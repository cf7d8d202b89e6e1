"""Loopback helpers for tests that start servers: a free port, and a bounded wait
until a server process answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(
    url: str, process: subprocess.Popen[bytes], *, what: str, seconds: float = 30.0
) -> None:
    """Poll ``url`` until it answers 200; fail when ``process`` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} was not ready within {seconds}s")


def stop_group(process: subprocess.Popen[bytes]) -> bytes:
    """Stop a server started with ``start_new_session=True`` and its workers (SIGTERM,
    then SIGKILL after 15 s); what it printed."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=5)
    return output or b""
