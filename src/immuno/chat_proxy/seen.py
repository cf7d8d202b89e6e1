"""What the proxy already decided in each session, so a conversation re-sent on
every turn is judged (and filed, and sealed) once per message, not once per turn.

Kept in this process's memory: ``immuno proxy`` runs one worker. Each session keeps
the digest of every message judged in it with what was decided (forward it as it is,
or forward a replacement text), so an injected tool result withheld on turn 3 is
withheld again on turn 9 without a second verdict; and the held calls waiting for an
operator (the approval id to present when the model asks again).

Bounded: at most ``sessions`` sessions (least recently used dropped first), at most
``messages`` digests per session (oldest dropped first), and a session quiet for
``ttl`` seconds (``policy.session_ttl``: the store has ended it by then) is dropped.
Forgetting is safe: a message no longer remembered is judged again, as if new. A
second proxy process on the same store keeps its own record, so a message may be
judged once by each.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_SESSIONS = 10_000
DEFAULT_MESSAGES = 4_096


@dataclass(frozen=True)
class Decision:
    """What to do with a message: ``keep`` it, ``replace`` its text by ``text``, or
    ``refuse`` the request (``text`` says why; refusals are not remembered)."""

    kind: Literal["keep", "replace", "refuse"]
    text: str = ""


KEEP = Decision("keep")


@dataclass
class _Session:
    touched: float
    seen: OrderedDict[str, Decision] = field(default_factory=OrderedDict)
    held: dict[str, str] = field(default_factory=dict)  # call key -> approval id


class SeenBook:
    def __init__(
        self,
        *,
        ttl: float,
        sessions: int = DEFAULT_SESSIONS,
        messages: int = DEFAULT_MESSAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0 or sessions < 1 or messages < 1:
            raise ValueError("a seen book needs ttl > 0, sessions >= 1 and messages >= 1")
        self.ttl, self.max_sessions, self.max_messages = ttl, sessions, messages
        self.clock = clock
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, session: str) -> _Session:
        now = self.clock()
        entry = self._sessions.pop(session, None)
        if entry is None or now - entry.touched > self.ttl:
            entry = _Session(now)
        entry.touched = now
        self._sessions[session] = entry
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        return entry

    def decided(self, session: str, digest: str) -> Decision | None:
        """What was decided for the message in this session, or None when it is new."""
        with self._lock:
            return self._get(session).seen.get(digest)

    def decide(self, session: str, digest: str, decision: Decision) -> None:
        with self._lock:
            seen = self._get(session).seen
            seen[digest] = decision
            while len(seen) > self.max_messages:
                seen.popitem(last=False)

    def approval(self, session: str, call: str) -> str | None:
        """The approval id a held call got in this session, to present when asked again."""
        with self._lock:
            return self._get(session).held.get(call)

    def hold(self, session: str, call: str, approval_id: str) -> None:
        with self._lock:
            held = self._get(session).held
            held[call] = approval_id
            while len(held) > self.max_messages:
                del held[next(iter(held))]

    def settle(self, session: str, call: str) -> None:
        """The held call went through (or was refused for good): forget its id."""
        with self._lock:
            self._get(session).held.pop(call, None)

    def __len__(self) -> int:
        return len(self._sessions)
