"""Which refused file calls were a reach outside the sandbox.

Programs fail on paths all the time (an import tried in each folder of a path, a
config file that is not there), so a refused call is kept only when it says the tool
went for something the sandbox withholds:

- a write the kernel refused (``EROFS``, ``EACCES``, ``EPERM``): the root, the system,
  the declared read paths and the immuno store are read-only;
- a path the sandbox hides: the immuno store and its keys, ``/etc/shadow`` and the
  other secrets of ``SECRETS``, the caller's home, ``/root`` and ``/home``, unless
  declared;
- a way round to the host: ``/proc/*/root`` or ``/proc/*/cwd`` to a path that exists
  outside, a link in a declared folder whose target exists outside but not inside, or
  ``/proc/N/environ`` (or ``mem``) of a process N not in the sandbox but on the host
  (the caller's environment is what it was after).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from immuno.sandbox.bwrap import SANDBOX_HOME
from immuno.sandbox.trace import Refusal

WRITE_REFUSED = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
SECRETS = (
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/shadow-",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/ssl/private",
    "/root",
    "/home",
)
_PROC_WAY = re.compile(r"^/proc/(?:self|thread-self|\d+)/(?:task/\d+/)?(root|cwd)(/.*)?$")
# another process's environment or memory, by a number that is not in the sandbox
_PROC_OTHER = re.compile(r"^/proc/(\d+)/(?:task/\d+/)?(environ|mem)$")


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@dataclass(frozen=True)
class Judge:
    """What one sandbox shows, and so what a refused call there reached for."""

    shown: tuple[str, ...]  # declared paths, the runtime, the system
    declared: tuple[str, ...]  # the tool's own paths (links there may be its doing)
    hidden: tuple[str, ...]  # never shown: the immuno store, its keys
    secrets: tuple[str, ...] = SECRETS

    @classmethod
    def of(
        cls,
        shown: Sequence[str],
        declared: Sequence[str],
        hidden: Sequence[str],
        home: str | None = None,
    ) -> Judge:
        home = home if home is not None else os.path.expanduser("~")
        secrets = SECRETS + ((home,) if home not in ("", "/") else ())
        return cls(tuple(shown), tuple(declared), tuple(hidden), secrets)

    def __call__(self, refusal: Refusal) -> str | None:
        return self.reached(refusal)

    def reached(self, refusal: Refusal) -> str | None:
        """The host path the call went for, or None when it was an ordinary miss."""
        if refusal.writing and refusal.errno in WRITE_REFUSED:
            return os.path.normpath(refusal.path)
        other = _PROC_OTHER.match(refusal.path)
        if other is not None:  # not in the sandbox; on the host, the caller or another
            return refusal.path if os.path.exists(f"/proc/{other.group(1)}") else None
        way = _PROC_WAY.match(refusal.path)
        if way is None:
            target = os.path.normpath(refusal.path)
        else:  # another process's root or folder: the sandbox's own, /tmp to start in
            start = "" if way.group(1) == "root" else SANDBOX_HOME
            target = os.path.normpath(start + (way.group(2) or "/"))
        if any(inside(target, h) for h in self.hidden):
            return target
        if any(inside(target, p) for p in self.declared):
            return self._through_link(target)
        if any(inside(target, p) for p in self.shown):
            return None
        if way is not None:
            return target if os.path.lexists(target) else None
        if any(inside(target, s) for s in self.secrets):
            return target
        return None

    def _through_link(self, path: str) -> str | None:
        """A link in a declared folder (planted, or made there by the tool) whose
        target exists on the host but is not shown: the host's file was the aim."""
        if not os.path.islink(path):
            return None
        real = os.path.realpath(path)
        if os.path.exists(real) and not any(inside(real, p) for p in self.shown):
            return real
        return None
