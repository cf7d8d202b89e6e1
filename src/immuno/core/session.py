"""Sessions: one user task, and the id every signal of it carries (``Signal.trace``).

What an agent read in a session vouches for its tool calls in that session only.
The SDK makes the session explicit::

    with immune.session(agent="payments", request="Pay invoice 42 to DE89 3704 ...") as s:
        transfer(account="DE89...", amount=120.0)   # wrapped tools join the session

Inside the ``with`` block every guarded call and result without an explicit
``trace=`` belongs to the session (a context variable, so threads and asyncio tasks
each see their own). ``request=`` files the user's words as trusted content, the
one documented way to say "this is what the user asked"; :meth:`Session.trust`
does the same later in the task. Leaving the block ends the session: what was read
in it vouches for nothing any more, and its id is refused.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING

from immuno.core.errors import InputError
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

_current: ContextVar[Session | None] = ContextVar("immuno_session", default=None)


def current_session() -> str | None:
    """The id of the session the caller is in (``with immune.session()``), if any."""
    session = _current.get()
    return session.id if session is not None else None


class Session:
    """One user task. Use it as a context manager, or call :meth:`end` yourself."""

    def __init__(self, immune: Immune, id: str | None = None) -> None:
        if id is not None and (not isinstance(id, str) or not id.strip()):
            raise InputError("session", "a session id must be a non-empty string")
        self.immune = immune
        self.id = id or uuid.uuid4().hex
        self._token: Token[Session | None] | None = None

    def trust(self, agent: str, text: str) -> Verdict:
        """File the user's own words (their request) as trusted content for ``agent``.

        The text is still checked like any message; a request the pipeline stops
        raises :class:`Blocked` and vouches for nothing.
        """
        signal = Signal(
            kind=SignalKind.MESSAGE,
            agent=agent,
            content=text,
            provenance=Provenance.TRUSTED,
            trace=self.id,
        )
        from immuno.core.sdk import raise_for  # the SDK itself asks us for the session

        return raise_for(self.immune.check(signal))

    def end(self) -> bool:
        """End the session now; False when it had already ended."""
        return self.immune.end_session(self.id)

    def __enter__(self) -> Session:
        self._token = _current.set(self)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        self.end()

    def __repr__(self) -> str:
        return f"Session({self.id!r})"
