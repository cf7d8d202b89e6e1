"""Sessions: what each agent read in one user task, kept in the store.

A session is one user task; every signal names its session in ``Signal.trace``.
What an agent read in a session (its parts, each at a trust level: ``flow.py``) can
vouch for that agent's tool calls in the same session and nowhere else:

* a signal without a session is judged alone: its reads are not filed, and a call
  without one finds nothing it read (a ``from:`` argument then never passes);
* a session ends explicitly (:meth:`SessionReads.end`) or after ``ttl`` seconds with
  nothing filed; an ended session's reads are deleted, and its id stays refused
  (``ended``) for another ``ttl`` seconds, so a late or replayed signal cannot
  reopen it;
* reads live in the store (tables ``policy_sessions`` and ``policy_reads``), so every
  worker process on the store sees what any of them filed. In memory each worker
  keeps a bounded cache of sessions, and before each use picks up the rows filed
  since its last look (one indexed query; on SQLite, skipped while the store's data
  version and this process's own writes to it show nothing changed since that look).

Memory is bounded: at most ``items`` reads per agent and session (oldest forgotten
first; in the store, pruned every few filings), at most ``cached`` sessions in a
worker's memory (least recently used dropped from memory only). Forgetting fails
closed: a value no longer remembered no longer vouches for anything.
"""

from __future__ import annotations

import secrets
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from immuno.core.errors import InputError
from immuno.policy.flow import Part, TraceReads
from immuno.policy.schema import SCHEMA
from immuno.policy.spec import Source
from immuno.store.base import Cursor, Row, Store

MAX_ID = 200  # characters of a session id
_SWEEP_EVERY = 256  # filings between two sweeps of expired sessions
# filings of one agent in one session between two prunings of its oldest reads in the
# store: memory holds exactly ``items`` reads, the store a few more until the next one
_PRUNE_EVERY = 32
# the tokens column of a part whose tokens are the words of its text, found when asked
# for (``Part.deferred``); no token is a NUL
_DEFERRED = "\x00"
# the tokens column of a read filed as it came (``flow.unjudged``), its text the read
# itself, judged by each worker that needs it: a space, then its level. No column of
# a judged part starts with a space (its tokens hold none). The row's level column says
# ``any``, so that a worker of an earlier version, which cannot judge it, finds it
# vouching for nothing.
_UNJUDGED = " "

_SYNC = (
    "SELECT s.touched, s.ended, s.gen, {taint}, "
    "r.seq, r.read, r.level, r.text, r.tokens, r.against, r.via "
    "FROM policy_sessions s LEFT JOIN policy_reads r "
    "ON r.session = s.id AND r.agent = ? AND r.seq > ? WHERE s.id = ? ORDER BY r.seq"
)
# A first load asks whether the agent was ever tainted in the session (the read that
# did it may be pruned); later looks learn it from the new rows themselves.
_LOAD = _SYNC.format(
    taint="EXISTS (SELECT 1 FROM policy_taint t WHERE t.session = s.id AND t.agent = ?)"
)
_SINCE = _SYNC.format(taint="0")
_PRUNE = (
    "DELETE FROM policy_reads WHERE session = ? AND agent = ? AND seq < ("
    " SELECT min(first) FROM (SELECT min(seq) AS first FROM policy_reads"
    " WHERE session = ? AND agent = ? GROUP BY read ORDER BY first DESC LIMIT ?) AS kept)"
)


def check_id(session: str) -> str:
    """A session id as given, or an InputError naming what is wrong with it."""
    if not isinstance(session, str) or not session.strip():
        raise InputError("trace", "a session id must be a non-empty string")
    if len(session) > MAX_ID:
        raise InputError("trace", f"a session id is at most {MAX_ID} characters")
    return session


# Writes to the session tables per store object, by every SessionReads of this process:
# SQLite's data version counts only other connections' commits, and two books (two
# Immune instances) may share one store, so one connection.
_WRITES: weakref.WeakKeyDictionary[Store, int] = weakref.WeakKeyDictionary()


def _wrote(store: Store) -> None:
    if store.dialect == "sqlite":  # the only store whose version is looked at
        _WRITES[store] = _WRITES.get(store, 0) + 1


def _version(store: Store) -> tuple[int, int] | None:
    """What identifies the state of the session tables as this worker can see it: a
    change by any connection changes it. None when the store cannot say (not SQLite)."""
    if store.dialect != "sqlite":
        return None
    return store.query("PRAGMA data_version")[0][0], _WRITES.get(store, 0)


@dataclass
class _Cached:
    reads: TraceReads
    gen: str  # which session of that id: one ended and opened again is another
    seen: int = 0  # the last row of policy_reads picked up
    touched: float = 0.0  # when the session last filed a read, at the last look
    version: tuple[int, int] | None = None  # the store's state at the last look


@dataclass(frozen=True)
class Lookup:
    """One agent's reads in one session, as the store has them now."""

    reads: TraceReads | None  # None: nothing filed (or the session is over)
    ended: bool = False  # ended explicitly, or expired: its id is refused


_NOTHING = Lookup(None)
_ENDED = Lookup(None, ended=True)


class SessionReads:
    """Reads per (session, agent), in the store, cached per worker."""

    def __init__(
        self,
        store: Callable[[], Store],
        clock: Callable[[], float],
        *,
        ttl: float,
        items: int,
        cached: int,
    ) -> None:
        self._open = store
        self._store: Store | None = None
        self.clock = clock
        self.ttl = ttl
        self.items = items
        self.cached = cached
        self._cache: OrderedDict[tuple[str, str], _Cached] = OrderedDict()
        self._filings = 0
        # filings per (session, agent) since its store rows were last pruned
        self._unpruned: dict[tuple[str, str], int] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            store = self._open()
            store.migrate("policy", SCHEMA)
            self._store = store
        return self._store

    def __len__(self) -> int:
        return len(self._cache)

    @contextmanager
    def _writing(self) -> Iterator[Cursor]:
        """A transaction on the session tables, counted as a write once it is over
        (committed or not): no later look keeps a state from before it."""
        store = self.store
        try:
            with store.transaction() as cur:
                yield cur
        finally:
            _wrote(store)

    # -- reading ----------------------------------------------------------------------

    def lookup(self, agent: str, session: str | None) -> Lookup:
        """The agent's reads in the session, with whatever other workers filed."""
        if session is None:
            return _NOTHING
        key = (check_id(session), agent)
        entry = self._cache.get(key)
        # read before the query, so that a write between the two is seen next time (a
        # session not cached yet is queried anyway: its state is noted from its next look)
        version = _version(self.store) if entry is not None else None
        if entry is not None and version is not None and entry.version == version:
            # nothing was written since the last look: only the clock can end it
            if self.clock() - entry.touched > self.ttl:
                del self._cache[key]
                return _ENDED
            self._cache.move_to_end(key)
            return Lookup(entry.reads)
        seen = entry.seen if entry is not None else 0
        if entry is None:
            rows = self.store.query(_LOAD, (agent, agent, seen, session))
        else:
            rows = self.store.query(_SINCE, (agent, seen, session))
        if not rows:
            self._cache.pop(key, None)
            return _NOTHING
        touched, ended, gen, tainted = rows[0][:4]
        if self._over(touched, ended, self.clock()):
            self._cache.pop(key, None)
            return _ENDED
        if entry is not None and entry.gen != gen:
            # the id was ended and opened again since: what this worker kept is another's
            del self._cache[key]
            return self.lookup(agent, session)
        if rows[0][4] is None and entry is None:
            return _NOTHING  # the session exists; this agent filed nothing in it
        if entry is None:
            entry = _Cached(TraceReads(limit=self.items), gen)
            self._cache[key] = entry
            while len(self._cache) > self.cached:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        for parts, last in _reads(rows):
            entry.reads.file(parts)
            entry.seen = last
        if tainted:  # read untrusted content once: forgetting the read does not undo it
            entry.reads.tainted = True
        entry.touched, entry.version = touched, version
        return Lookup(entry.reads)

    def ended(self, agent: str, session: str) -> bool:
        """Is the session over (ended, or expired)? What a read into it must know, asked
        without loading what the agent read in it when this worker has none of it."""
        key = (check_id(session), agent)
        if key in self._cache:
            return self.lookup(agent, session).ended
        rows = self.store.query(
            "SELECT touched, ended FROM policy_sessions WHERE id = ?", (session,)
        )
        if not rows:
            return False
        touched, ended = rows[0]
        return self._over(touched, ended, self.clock())

    def _over(self, touched: float, ended: float | None, now: float) -> bool:
        """Ended explicitly, or quiet for longer than ``ttl``."""
        return ended is not None or now - touched > self.ttl

    def get(self, agent: str, session: str | None) -> TraceReads | None:
        return self.lookup(agent, session).reads

    # -- filing -----------------------------------------------------------------------

    def file(self, agent: str, session: str | None, parts: tuple[Part, ...]) -> bool:
        """File one read; False when it was not filed (no session, or one that ended)."""
        if session is None or not parts:
            return False
        check_id(session)
        now = self.clock()
        with self._writing() as cur:
            row = cur.execute(
                "SELECT touched, ended FROM policy_sessions WHERE id = ?", (session,)
            ).fetchone()
            if row is not None and self._over(row[0], row[1], now):
                if row[1] is None:  # expired while quiet: it ends now, and stays refused
                    _end(cur, session, now)
                return False
            cur.execute(
                "INSERT INTO policy_sessions (id, gen, opened, touched) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET touched = excluded.touched",
                (session, _new_id(), now, now),
            )
            read = _new_id()
            if any(p.level is not Source.TRUSTED or p.via for p in parts):
                cur.execute(
                    "INSERT INTO policy_taint (session, agent) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (session, agent),
                )
            cur.executemany(
                "INSERT INTO policy_reads"
                " (session, agent, read, level, text, tokens, against, via)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        session,
                        agent,
                        read,
                        int(Source.ANY if p.unjudged else p.level),
                        p.text,
                        _column(p),
                        p.against,
                        p.via,
                    )
                    for p in parts
                ],
            )
            key = (session, agent)
            since = self._unpruned.pop(key, 0) + 1
            if since >= _PRUNE_EVERY:
                cur.execute(_PRUNE, (session, agent, session, agent, self.items))
            else:
                self._unpruned[key] = since
                while len(self._unpruned) > self.cached:
                    del self._unpruned[next(iter(self._unpruned))]
        self._filings += 1
        if self._filings % _SWEEP_EVERY == 0:
            self.sweep()
        return True

    def end(self, session: str) -> bool:
        """End a session: its reads are deleted and its id refused from now on.
        False when it was already over."""
        check_id(session)
        now = self.clock()
        with self._writing() as cur:
            row = cur.execute(
                "SELECT ended FROM policy_sessions WHERE id = ?", (session,)
            ).fetchone()
            if row is not None and row[0] is not None:
                return False
            if row is None:
                cur.execute(
                    "INSERT INTO policy_sessions (id, gen, opened, touched) VALUES (?, ?, ?, ?)",
                    (session, _new_id(), now, now),
                )
            _end(cur, session, now)
        for key in [k for k in self._cache if k[0] == session]:
            del self._cache[key]
        return True

    def sweep(self) -> int:
        """End the sessions quiet for longer than ``ttl``, and forget the ids of
        those ended more than ``ttl`` ago; returns how many sessions were ended."""
        now = self.clock()
        with self._writing() as cur:
            quiet = [
                r[0]
                for r in cur.execute(
                    "SELECT id FROM policy_sessions WHERE ended IS NULL AND touched < ?",
                    (now - self.ttl,),
                ).fetchall()
            ]
            for session in quiet:
                _end(cur, session, now)
            cur.execute("DELETE FROM policy_sessions WHERE ended < ?", (now - self.ttl,))
        return len(quiet)


def _new_id() -> str:
    """A random id for a read or a session's generation (128 bits, as a uuid4's)."""
    return secrets.token_hex(16)


def _end(cur: Cursor, session: str, now: float) -> None:
    cur.execute("DELETE FROM policy_reads WHERE session = ?", (session,))
    cur.execute("DELETE FROM policy_taint WHERE session = ?", (session,))
    cur.execute("UPDATE policy_sessions SET ended = ? WHERE id = ?", (now, session))


def _column(part: Part) -> str:
    """What the tokens column holds for ``part``."""
    if part.unjudged:
        return f"{_UNJUDGED}{int(part.level)}"
    return _DEFERRED if part.deferred else " ".join(part.tokens)


def _reads(rows: Iterable[Row]) -> Iterable[tuple[tuple[Part, ...], int]]:
    """Rows of policy_reads (in order) grouped into reads: (parts, last seq)."""
    parts: list[Part] = []
    current = None
    last = 0
    for _, _, _, _, seq, read, level, text, words, against, via in rows:
        if seq is None:
            continue
        if read != current and parts:
            yield tuple(parts), last
            parts = []
        current, last = read, seq
        if words.startswith(_UNJUDGED):
            parts.append(Part(Source(int(words[1:])), text, frozenset(), unjudged=True))
        elif words == _DEFERRED:
            parts.append(Part(Source(level), text, frozenset(), against, via, deferred=True))
        else:
            parts.append(Part(Source(level), text, frozenset(words.split()), against, via))
    if parts:
        yield tuple(parts), last
