"""The outcome ledger: which layers stopped or held each signal, and what operators
later found about it. Component ``outcomes`` (an Observer), tables ``outcomes_*``.

A layer stopped a signal when one of its findings alone would have stopped it (its
named action, or its score against the thresholds). Only stopped signals are written,
so allowed traffic costs one comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from immuno.core.config import Thresholds
from immuno.core.errors import InputError
from immuno.core.outcome import FALSE_POSITIVE, LayerRate, Outcome
from immuno.core.pipeline import own_action
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.store.base import Store

SCHEMA = [
    """
    CREATE TABLE outcomes_stopped (
        signal_id   TEXT NOT NULL,
        layer       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        action      TEXT NOT NULL,
        approval_id TEXT,
        at          REAL NOT NULL,
        PRIMARY KEY (signal_id, layer)
    );
    CREATE INDEX outcomes_stopped_approval ON outcomes_stopped (approval_id);
    CREATE TABLE outcomes_operator (
        signal_id TEXT NOT NULL,
        layer     TEXT NOT NULL,
        kind      TEXT NOT NULL,
        subject   TEXT NOT NULL,
        by        TEXT NOT NULL,
        at        REAL NOT NULL,
        seq       INTEGER,
        PRIMARY KEY (signal_id, layer, kind)
    );
    """,
]


class OutcomeLedger:
    name = "outcomes"

    def __init__(
        self, store: Callable[[], Store], thresholds: Thresholds, clock: Callable[[], float]
    ) -> None:
        self._open = store
        self.thresholds = thresholds
        self.clock = clock

    @cached_property
    def store(self) -> Store:
        store = self._open()
        store.migrate("outcomes", SCHEMA)
        return store

    # -- Observer ----------------------------------------------------------------------

    def observe(self, signal: Signal, verdict: Verdict) -> None:
        if not verdict.action.stops:
            return
        layers = {f.layer for f in verdict.findings if own_action(f, self.thresholds).stops}
        rows = [
            (signal.id, layer, signal.agent, verdict.action.value, verdict.approval_id, signal.at)
            for layer in sorted(layers)
        ]
        with self.store.transaction() as cur:
            cur.executemany(
                "INSERT INTO outcomes_stopped (signal_id, layer, agent, action, approval_id, at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )

    # -- operator outcomes -----------------------------------------------------------

    def false_positive(
        self,
        subject: str,
        *,
        signal_id: str | None = None,
        approval_id: str | None = None,
        by: str = "operator",
    ) -> Outcome:
        """The outcome "``subject`` was benign", checked but not yet recorded."""
        if (signal_id is None) == (approval_id is None):
            raise InputError("outcome", "name exactly one of a signal id or an approval id")
        column, key = ("signal_id", signal_id) if signal_id else ("approval_id", approval_id)
        rows = self.store.query(
            f"SELECT signal_id, layer, agent FROM outcomes_stopped WHERE {column} = ? "
            "ORDER BY layer",
            (key,),
        )
        if not rows:
            raise InputError(
                "outcome",
                f"no record of a layer stopping {subject} (held before outcomes were kept?)",
            )
        signal = rows[0][0]
        taken = self.store.query(
            "SELECT 1 FROM outcomes_operator WHERE signal_id = ? AND kind = ? LIMIT 1",
            (signal, FALSE_POSITIVE),
        )
        if taken:
            raise InputError("outcome", f"{subject} is already recorded as a false positive")
        return Outcome(
            kind=FALSE_POSITIVE,
            signal_id=signal,
            subject=subject,
            agent=rows[0][2],
            layers=tuple(row[1] for row in rows),
            by=by,
            at=self.clock(),
        )

    def record(self, outcome: Outcome) -> Outcome:
        """Keep an outcome (after it was sealed: ``seq`` names its audit entry)."""
        with self.store.transaction() as cur:
            cur.executemany(
                "INSERT INTO outcomes_operator (signal_id, layer, kind, subject, by, at, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        outcome.signal_id,
                        layer,
                        outcome.kind,
                        outcome.subject,
                        outcome.by,
                        outcome.at,
                        outcome.seq,
                    )
                    for layer in outcome.layers
                ],
            )
        return outcome

    # -- the metric ----------------------------------------------------------------------

    def autoimmunity(self) -> dict[str, LayerRate]:
        """Per layer: signals it stopped or held, and how many operators found benign."""
        stopped: dict[str, int] = dict(
            self.store.query("SELECT layer, count(*) FROM outcomes_stopped GROUP BY layer")
        )
        wrong: dict[str, int] = dict(
            self.store.query(
                "SELECT layer, count(*) FROM outcomes_operator WHERE kind = ? GROUP BY layer",
                (FALSE_POSITIVE,),
            )
        )
        return {
            layer: LayerRate(layer, int(stopped.get(layer, 0)), int(wrong.get(layer, 0)))
            for layer in sorted(stopped.keys() | wrong.keys())
        }
