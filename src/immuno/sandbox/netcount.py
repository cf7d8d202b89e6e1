"""Network attempts a sandbox made around its egress proxy, read from the kernel's own
counters for the sandbox's network namespace.

A sandbox's network namespace holds only its own loopback, so nothing can leave it
except through the egress proxy's unix socket. What a tool tries all the same, in any
language and whatever it prints, the kernel counts per namespace (``/proc/PID/net/snmp``
and ``snmp6``):

- a connection or datagram to an address outside the sandbox: there is no route
  (``Ip: OutNoRoutes``, ``Ip6OutNoRoutes``);
- a TCP connection to a port nothing listens on inside, such as the host's services
  sought at 127.0.0.1 (``Tcp: AttemptFails``);
- a UDP datagram to such a port, such as a DNS query to 127.0.0.1:53 when no name
  server is there (``Udp: NoPorts``, ``Udp6NoPorts``).

The connection to the proxy's own listener on the sandbox's loopback succeeds and is
not counted. The files are opened while bubblewrap holds the tool back (``--block-fd``)
and kept open: an open file keeps the namespace, and so its counters, readable after
the last process in it has gone. The counters only grow; a tool cannot reset them.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Attempts:
    """Counts of direct network attempts, by how the kernel refused them."""

    unroutable: int = 0  # to an address outside the sandbox
    refused: int = 0  # TCP, to a port nothing listens on inside
    undelivered: int = 0  # UDP, to a port nothing listens on inside

    @property
    def total(self) -> int:
        return self.unroutable + self.refused + self.undelivered

    def __str__(self) -> str:
        parts = []
        if self.unroutable:
            parts.append(
                f"{self.unroutable} connection(s) or datagram(s) to an address outside the sandbox "
                "(no route: its network is its own loopback)"
            )
        if self.refused:
            parts.append(
                f"{self.refused} TCP connection(s) to a port nothing listens on inside "
                "(the host's services are not on the sandbox's loopback)"
            )
        if self.undelivered:
            parts.append(
                f"{self.undelivered} UDP datagram(s) to a port nothing listens on inside "
                "(a DNS query, if to port 53: no name server is there)"
            )
        return "; ".join(parts) or "none"


class Counters:
    """The counter files of one sandbox's network namespace, held open for its run."""

    def __init__(self, pid: int) -> None:
        """Open them for a process in the namespace; OSError when that fails."""
        self._files: list[int] = []
        try:
            for name in ("snmp", "snmp6"):
                self._files.append(os.open(f"/proc/{pid}/net/{name}", os.O_RDONLY))
        except OSError:
            self.close()
            raise

    def read(self) -> Attempts:
        """The counts now (the namespace stays readable after its processes exit)."""
        v4 = _pairs(_read(self._files[0]))
        v6 = dict(_lines(_read(self._files[1])))
        return Attempts(
            unroutable=v4.get("Ip:OutNoRoutes", 0) + v6.get("Ip6OutNoRoutes", 0),
            refused=v4.get("Tcp:AttemptFails", 0),
            undelivered=v4.get("Udp:NoPorts", 0) + v6.get("Udp6NoPorts", 0),
        )

    def close(self) -> None:
        for fd in self._files:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._files = []


def _read(fd: int) -> str:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 65536, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks).decode("ascii", errors="replace")


def _pairs(text: str) -> dict[str, int]:
    """``snmp``: each protocol is a line of names and a line of values."""
    found: dict[str, int] = {}
    lines = text.splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        head, *keys = names.split()
        _, *numbers = values.split()
        for key, number in zip(keys, numbers, strict=False):
            with contextlib.suppress(ValueError):
                found[f"{head}{key}"] = int(number)
    return found


def _lines(text: str) -> list[tuple[str, int]]:
    """``snmp6``: a name and a value on each line."""
    found = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            found.append((parts[0], int(parts[1])))
    return found
