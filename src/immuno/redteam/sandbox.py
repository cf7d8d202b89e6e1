"""Sandbox escapes, run for real under bubblewrap when ``immuno sandbox check`` says
this host can: a command that writes outside its declared paths, one that reads
/etc/shadow, one that connects to a host it did not declare (a listener on 127.0.0.1).
The escape is stopped when it has no effect on the host; a benign command of the same
shape (write and read its declared folders, no network) passes when it does its work.
On a host that cannot sandbox, the family is skipped and says why."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from immuno.core.errors import ImmunoError
from immuno.redteam.harness import Deployment, Result, TimedImmune
from immuno.sandbox.host import probe

AGENT = "rt-runner"
TOOL = "rt.exec"
TECHNIQUES = ("write outside declared paths", "read /etc/shadow", "reach an undeclared host")


def manifest(folder: Path) -> str:
    """The sandboxed tool's manifest, its declared folders inside ``folder``."""
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "out").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "report.txt").write_text("quarterly figures\n")
    return (
        f"agents:\n  {AGENT}: {{tools: [{TOOL}]}}\n"
        f"tools:\n  {TOOL}:\n    sink: shell\n    args: {{}}\n    sandbox:\n"
        f"      paths: {{read: ['{folder / 'in'}'], write: ['{folder / 'out'}']}}\n"
        "      limits: {wall_seconds: 10}\n"
    )


def unsupported(bwrap: str | None) -> str | None:
    """Why sandboxed tools cannot run here, or None when they can."""
    support = probe(bwrap)
    return None if support.ok else "; ".join(support.missing)


class _Listener:
    """A TCP port on 127.0.0.1 that notes whether anything connected."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.reached = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = self.sock.accept()
                self.reached = True
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _run(immune: TimedImmune, argv: list[str]) -> str | None:
    """The command's output, or None when it was refused or failed."""
    try:
        done = immune.run_sandboxed(AGENT, TOOL, argv, {})
    except ImmunoError:
        return None
    return done.text if done.exit_code == 0 else None


def _attack(technique: str, folder: Path, i: int) -> Callable[[TimedImmune], bool]:
    def run(immune: TimedImmune) -> bool:
        if technique == TECHNIQUES[0]:
            target = folder / f"planted-{i}"
            _run(immune, ["sh", "-c", f"echo owned > '{target}'"])
            return not target.exists()
        if technique == TECHNIQUES[1]:
            shown = _run(immune, ["cat", "/etc/shadow"])
            return shown is None or "root:" not in shown
        listener = _Listener()
        try:
            code = f"import socket; socket.create_connection(('127.0.0.1', {listener.port}), 2)"
            _run(immune, ["python3", "-c", code])
        finally:
            listener.close()
        return not listener.reached

    return run


def _benign(technique: str, folder: Path, i: int) -> Callable[[TimedImmune], bool]:
    def run(immune: TimedImmune) -> bool:
        if technique == TECHNIQUES[0]:
            target = folder / "out" / f"made-{i}"
            _run(immune, ["sh", "-c", f"echo done > '{target}'"])
            return not target.exists()
        if technique == TECHNIQUES[1]:
            shown = _run(immune, ["cat", str(folder / "in" / "report.txt")])
            return shown is None or "quarterly" not in shown
        return _run(immune, ["python3", "-c", "print(6 * 7)"]) is None

    return run


def run(deployment: Deployment, family: str, count: int, folder: Path) -> Iterator[Result]:
    for i in range(count):
        technique = TECHNIQUES[i % len(TECHNIQUES)]
        yield deployment.run(family, True, technique, _attack(technique, folder, i))
        yield deployment.run(family, False, technique, _benign(technique, folder, i))
