"""Inboxes for signed agent-to-agent messages, kept in the store.

A message the pipeline lets through is ``delivered``: its recipient takes it with
``GET /v1/inbox`` (taking acknowledges: it is gone afterwards). A message it stops
is ``held`` beside its quarantine item; an operator releasing that item delivers it.
Every worker shares the store, so any worker can take what another delivered.
"""

from __future__ import annotations

from collections.abc import Callable

from immuno.gateway import schema
from immuno.gateway.schemas import MessageOut
from immuno.identity.envelope import Envelope
from immuno.store.base import Store

_COLUMNS = "id, sender, recipient, kind, body, received, seq"
# each message is filed once under an id of its own: a second filing is an error,
# never a silent replacement of a held message
_PUT = (
    "INSERT INTO gateway_inbox (id, recipient, sender, kind, body, received, seq, status, "
    "quarantine_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Inbox:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        schema.migrate(store)
        self.store, self.clock = store, clock

    def put(
        self,
        message_id: str,
        envelope: Envelope,
        seq: int | None,
        *,
        quarantine_id: str | None = None,
    ) -> None:
        """File a message: delivered, or held under ``quarantine_id``."""
        status = "held" if quarantine_id is not None else "delivered"
        with self.store.transaction() as cur:
            cur.execute(
                _PUT,
                (
                    message_id,
                    envelope.recipient,
                    envelope.sender,
                    envelope.kind,
                    envelope.body,
                    self.clock(),
                    seq,
                    status,
                    quarantine_id,
                ),
            )

    def release(self, quarantine_id: str) -> bool:
        """Deliver the message held under ``quarantine_id``; False when there is none."""
        with self.store.transaction() as cur:
            done = cur.execute(
                "UPDATE gateway_inbox SET status = 'delivered' "
                "WHERE quarantine_id = ? AND status = 'held'",
                (quarantine_id,),
            )
            return bool(done.rowcount)

    def take(self, recipient: str, limit: int) -> list[MessageOut]:
        """The oldest delivered messages of ``recipient``, removed as they are read
        (one transaction: two workers never hand out the same message)."""
        with self.store.transaction() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM gateway_inbox WHERE recipient = ? "
                "AND status = 'delivered' ORDER BY received, id LIMIT ?",
                (recipient, limit),
            ).fetchall()
            cur.executemany("DELETE FROM gateway_inbox WHERE id = ?", [(row[0],) for row in rows])
        return [
            MessageOut(
                id=row[0],
                sender=row[1],
                recipient=row[2],
                kind=row[3],
                body=row[4],
                received=row[5],
                seq=row[6],
            )
            for row in rows
        ]


class SessionBook:
    """Which agent opened each session through the gateway, so an agent can use and
    end only its own."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        schema.migrate(store)
        self.store, self.clock = store, clock

    def open(self, session: str, agent: str) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO gateway_sessions (id, agent, opened) VALUES (?, ?, ?)",
                (session, agent, self.clock()),
            )

    def owner(self, session: str) -> tuple[str, bool] | None:
        """(agent, ended) of a session the gateway opened, else None."""
        rows = self.store.query(
            "SELECT agent, ended FROM gateway_sessions WHERE id = ?", (session,)
        )
        return (str(rows[0][0]), rows[0][1] is not None) if rows else None

    def end(self, session: str) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                "UPDATE gateway_sessions SET ended = ? WHERE id = ? AND ended IS NULL",
                (self.clock(), session),
            )
