"""Has the agent's habit changed? A sequential test on its recent transitions.

The question for the last ``size`` transitions (``previous act > act``, leaving out the
fixed step from a call to its own result): did they come from the baseline's chain, or
from a changed one? For each start point in that span we compare two predictive laws,
each updated by the transitions of the span already seen (Dirichlet–multinomial, so the
order does not matter and one backward pass serves every start point):

* **same habit**: the baseline row's counts plus the span's, smoothed as the baseline's
  surprise is (so the baseline's own uncertainty is priced in, and a young baseline
  does not look like a change);
* **new habit**: a Dirichlet of ``spread`` pseudo-counts centred on the baseline row,
  plus the span's counts: a row that may have moved anywhere.

The log ratio (bits) summed over the span is a Bayes factor for "the rows changed at
this start point"; its maximum over start points is a generalised likelihood ratio
(Lai 1995) for a change of unknown time and unknown new law. Transitions of the span
that the baseline has already counted (it learns them ``delay`` signals late) are taken
out of its counts first, so a new habit does not vouch for itself.
"""

from __future__ import annotations

import math
from collections import deque

from immuno.identity.fingerprint import SURPRISE_SMOOTHING, Baseline, Features


def is_fixed(feats: Features) -> bool:
    """A call's own result: the step after a call says nothing about habit."""
    return feats[0].startswith("tool_result") and feats[5].startswith("tool_call")


class HabitTest:
    """The recent transitions of one agent, and their change statistic."""

    def __init__(self, size: int, spread: float) -> None:
        self.spread = spread
        self.steps: deque[tuple[str, str]] = deque(maxlen=size)  # (origin, move)
        # ordinal of each step's signal among those the baseline learned (0: not learned)
        self.ordinals: deque[int] = deque(maxlen=size)

    def push(self, feats: Features) -> bool:
        """Add a signal's transition; False for a fixed one (not kept)."""
        if is_fixed(feats):
            return False
        self.steps.append((feats[5], feats[1]))
        self.ordinals.append(0)
        return True

    def learned(self, ordinal: int) -> None:
        """The newest transition was learned as the baseline's ``ordinal``-th signal:
        once ``baseline.seen`` reaches it, the baseline counts include it."""
        if self.ordinals:
            self.ordinals[-1] = ordinal

    def retracted(self, seen: int) -> None:
        """The baseline dropped what it had not counted yet: those steps never will be."""
        for index, ordinal in enumerate(self.ordinals):
            if ordinal > seen:
                self.ordinals[index] = 0

    def bits(self, baseline: Baseline) -> float:
        """Largest log2 Bayes factor of a changed habit over any recent span (>= 0)."""
        if len(self.steps) < 2:
            return 0.0
        rows, moves = self._uncounted(baseline)
        spread = self.spread
        in_rows: dict[str, int] = {}
        in_moves: dict[str, int] = {}
        ratio = best = 1.0  # products of likelihood ratios: one log at the end
        for origin, move in reversed(self.steps):
            in_row = in_rows.get(origin, 0)
            in_move = in_moves.get(move, 0)
            if in_row:  # the first step of a row in the span is predicted alike by both
                row, step = rows[origin], moves[move]
                # changed: (spread * step / row + in_move) / (spread + in_row)
                # same:    (step + in_move) / (row + in_row)
                ratio *= ((spread * step + in_move * row) * (row + in_row)) / (
                    row * (spread + in_row) * (step + in_move)
                )
                if ratio > best:
                    best = ratio
            in_rows[origin] = in_row + 1
            in_moves[move] = in_move + 1
        return math.log2(best)

    def _uncounted(self, baseline: Baseline) -> tuple[dict[str, float], dict[str, float]]:
        """Per row, the smoothed denominator of the baseline's step law, and per move
        its smoothed numerator, without the span's steps the baseline already counted
        (it counts in order, so those come first)."""
        seen = baseline.seen
        taken_rows: dict[str, int] = {}
        taken_moves: dict[str, int] = {}
        for (origin, move), ordinal in zip(self.steps, self.ordinals, strict=True):
            if ordinal > seen:
                break
            if ordinal:
                taken_rows[origin] = taken_rows.get(origin, 0) + 1
                taken_moves[move] = taken_moves.get(move, 0) + 1
        alpha, weight = SURPRISE_SMOOTHING, baseline.weight
        width = alpha * (len(baseline.counts[0]) + 1)
        counted_rows, counted_moves = baseline.counts[5], baseline.counts[1]
        rows: dict[str, float] = {}
        moves: dict[str, float] = {}
        for origin, move in self.steps:
            if origin not in rows:
                count = counted_rows.get(origin, 0.0) / weight - taken_rows.get(origin, 0)
                rows[origin] = max(0.0, count) + width
            if move not in moves:
                count = counted_moves.get(move, 0.0) / weight - taken_moves.get(move, 0)
                moves[move] = max(0.0, count) + alpha
        return rows, moves
