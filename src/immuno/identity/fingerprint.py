"""Behavioural fingerprints: does an agent still behave like itself?

Every signal of an agent becomes features (families):

    act   what it does: ``tool_call:<tool>``, ``output``, ``message`` ...
    move  the transition from its previous step: ``<previous act> > <act>``
    size  how much it says, per act: log2 bucket of the text length
    gap   how fast it goes: log2 bucket of the milliseconds since its previous step
    pace  the gap per act; from: the previous act (the denominators of the step law)

The **baseline** counts features of signals that were allowed (never the ones that
were stopped: immuno must not learn the attack), with exponential decay (half-life in
observations) so slow, honest evolution is absorbed. A signal reaches the baseline
only once it has left the recent window, so the two never overlap and an alarm can
retract what is still pending.

Two measures compare the agent with its baseline:

* the weighted Jensen–Shannon divergence (base 2, in [0, 1]; Lin 1991) between each
  family's law in the **recent window** and its additively smoothed baseline law;
* the **surprise** of each step, in bits, under the baseline's own laws (a Markov
  step, the size and the pace given the act), fed to CUSUMs in the monitor.

Each is standardised by the agent's own running mean and variance (winsorised), so
an erratic agent and a regular one are each judged against their own noise.
"""

from __future__ import annotations

import math
from collections import Counter, deque

import msgspec

from immuno.core.signal import Signal, SignalKind

FAMILIES = ("act", "move", "size", "gap", "pace", "from")
DEFAULT_WEIGHTS = (0.4, 0.3, 0.15, 0.15, 0.0, 0.0)  # pace and from serve surprise only
_SMOOTHING = 0.5
SURPRISE_SMOOTHING = 0.5
_RESCALE_AT = 1e12
START = "^"

Features = tuple[str, str, str, str, str, str]
# (step, size, pace) in bits; step is None where it is fixed (a call's own result)
Surprise = tuple[float | None, float, float]
_BUCKETS = 16  # outcomes assumed per size or pace law, for smoothing


def act_of(signal: Signal) -> str:
    if signal.tool:
        return f"{signal.kind.value}:{signal.tool}"
    return signal.kind.value


def _log_bucket(value: float) -> int:
    return 0 if value < 1.0 else min(int(math.log2(value)) + 1, 40)


def features(signal: Signal, previous_act: str, previous_at: float | None) -> Features:
    act = act_of(signal)
    text = signal.content if signal.kind is not SignalKind.TOOL_CALL else signal.text()
    gap = "first" if previous_at is None else str(_log_bucket((signal.at - previous_at) * 1000))
    return (
        act,
        f"{previous_act}>{act}",
        f"{act}#{_log_bucket(len(text))}",
        gap,
        f"{act}~{gap}",
        previous_act,
    )


class Baseline(msgspec.Struct, dict=True):
    """Decayed feature counts of an agent's allowed signals (persisted as msgpack)."""

    def __post_init__(self) -> None:
        self._entropy: dict[str, float] = {}

    counts: list[dict[str, float]] = msgspec.field(default_factory=lambda: [{} for _ in FAMILIES])
    totals: list[float] = msgspec.field(default_factory=lambda: [0.0 for _ in FAMILIES])
    weight: float = 1.0
    seen: int = 0
    last_act: str = START
    last_at: float | None = None
    pending: list[list[str]] = msgspec.field(default_factory=list)
    # running mean and variance of this agent's own drift scores on allowed signals
    # (exponentially weighted), so each agent is judged against its own noise level
    calibrated: int = 0
    score_mean: float = 0.0
    score_var: float = 0.0
    surprise_mean: list[float] = msgspec.field(default_factory=lambda: [0.0, 0.0, 0.0])
    surprise_var: list[float] = msgspec.field(default_factory=lambda: [0.0, 0.0, 0.0])

    def calibrate(
        self, score: float | None, surprise: Surprise, rate: float, clip: float | None
    ) -> None:
        """Fold one divergence and one surprise in; past the warm-up, outliers count as
        at most ``clip`` sd (winsorised), so a drifting agent cannot quickly widen its
        own noise band."""
        self.calibrated += 1
        rate = max(rate, 1.0 / self.calibrated)
        for part, bits in enumerate(surprise):
            if bits is None:
                continue
            self.surprise_mean[part], self.surprise_var[part] = _ewm(
                self.surprise_mean[part], self.surprise_var[part], bits, rate, clip
            )
        if score is not None:
            self.score_mean, self.score_var = _ewm(
                self.score_mean, self.score_var, score, rate, clip
            )

    def surprise(self, feats: Features) -> Surprise:
        """Bits of surprise of one step under the baseline's own laws (the Markov step,
        the size and the pace given the act): how unlike this agent the step is."""
        counts, alpha = self.counts, SURPRISE_SMOOTHING * self.weight
        act, move, size, _, pace, origin = feats
        acts = len(counts[0]) + 1
        step = (counts[1].get(move, 0.0) + alpha) / (counts[5].get(origin, 0.0) + alpha * acts)
        of_act = counts[0].get(act, 0.0) + alpha * _BUCKETS
        sized = (counts[2].get(size, 0.0) + alpha) / of_act
        paced = (counts[4].get(pace, 0.0) + alpha) / of_act
        fixed = act.startswith("tool_result") and origin.startswith("tool_call")
        if fixed:
            return (None, -math.log2(sized), -math.log2(paced))
        excess = -math.log2(step) - self.row_entropy(origin, alpha, acts)
        return (excess, -math.log2(sized), -math.log2(paced))

    def row_entropy(self, origin: str, alpha: float, acts: int) -> float:
        """Entropy (bits) of the baseline's smoothed step law from ``origin``: the
        surprise a step from there has on average, so that a step's excess surprise
        is measured against its own row, not the agent's average. Cached per row until
        the row is counted again."""
        cached = self._entropy.get(origin)
        if cached is not None:
            return cached
        denominator = self.counts[5].get(origin, 0.0) + alpha * acts
        entropy, seen = 0.0, 0
        for target in self.counts[0]:
            count = self.counts[1].get(f"{origin}>{target}")
            if count is not None:
                q = (count + alpha) / denominator
                entropy -= q * math.log2(q)
                seen += 1
        if acts > seen:
            q = alpha / denominator
            entropy -= (acts - seen) * q * math.log2(q)
        self._entropy[origin] = entropy
        return entropy

    def learn(self, signal: Signal, growth: float, delay: int) -> None:
        """Add one allowed signal; older ones fade by ``1/growth`` per observation.

        A signal reaches the counts only ``delay`` signals later (once it has left the
        recent window), so the baseline and the window it is compared with never
        overlap, and a new behaviour cannot dilute its own divergence before it is seen.
        """
        feats = features(signal, self.last_act, self.last_at)
        self.last_act, self.last_at = feats[0], signal.at
        self.pending.append(list(feats))
        if len(self.pending) > delay:
            self._count(tuple(self.pending.pop(0)), growth)  # type: ignore[arg-type]

    def _count(self, feats: Features, growth: float) -> None:
        if feats[0] in self.counts[0]:
            self._entropy.pop(feats[5], None)  # only the row of this step changed
        else:
            self._entropy.clear()  # a new act: every row gains an outcome
        for family, feature in enumerate(feats):
            counts = self.counts[family]
            counts[feature] = counts.get(feature, 0.0) + self.weight
            self.totals[family] += self.weight
        self.seen += 1
        self.weight *= growth
        if self.weight > _RESCALE_AT:
            self._entropy.clear()
            for family, counts in enumerate(self.counts):
                # drop what has faded to nothing, so the baseline stays bounded
                kept = {k: v / self.weight for k, v in counts.items() if v / self.weight > 1e-9}
                self.counts[family] = kept
                self.totals[family] = sum(kept.values())
            self.weight = 1.0


def _ewm(
    mean: float, var: float, value: float, rate: float, clip: float | None
) -> tuple[float, float]:
    delta = value - mean
    if clip is not None:
        bound = clip * var**0.5
        delta = max(-bound, min(bound, delta))
    return mean + rate * delta, (1 - rate) * (var + rate * delta * delta)


class Window:
    """The last ``size`` signals an agent attempted, as feature counts."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.events: deque[Features] = deque()
        self.counts: list[Counter[str]] = [Counter() for _ in FAMILIES]
        self.last_act = START
        self.last_at: float | None = None

    @property
    def full(self) -> bool:
        return len(self.events) >= self.size

    def push(self, signal: Signal) -> None:
        feats = features(signal, self.last_act, self.last_at)
        self.events.append(feats)
        for family, feature in enumerate(feats):
            self.counts[family][feature] += 1
        if len(self.events) > self.size:
            for family, feature in enumerate(self.events.popleft()):
                counter = self.counts[family]
                counter[feature] -= 1
                if not counter[feature]:
                    del counter[feature]
        self.last_act, self.last_at = feats[0], signal.at


def js_divergence(
    window: Counter[str], n: int, baseline: dict[str, float], total: float, alpha: float
) -> float:
    """JS(P || Q) in bits, P the window's empirical law, Q the smoothed baseline.

    Only the window's keys are visited: every baseline key the window lacks contributes
    ``q/2`` (since p = 0), so their sum is ``(1 - sum of q over window keys) / 2``.
    ``alpha`` is the additive smoothing, in the baseline's (decay-weighted) units.
    """
    denominator = total + alpha * (len(baseline) + 1)
    divergence = 0.0
    q_seen = 0.0
    for key, count in window.items():
        p = count / n
        q = (baseline.get(key, 0.0) + alpha) / denominator
        m = (p + q) / 2
        divergence += 0.5 * (p * math.log2(p / m) + q * math.log2(q / m))
        q_seen += q
    return min(1.0, divergence + 0.5 * max(0.0, 1.0 - q_seen))


def drift_score(
    window: Window, baseline: Baseline, weights: tuple[float, ...] = DEFAULT_WEIGHTS
) -> float:
    n = len(window.events)
    total = sum(weights)
    alpha = _SMOOTHING * baseline.weight
    score = 0.0
    for family, weight in enumerate(weights):
        if weight:
            score += weight * js_divergence(
                window.counts[family],
                n,
                baseline.counts[family],
                baseline.totals[family],
                alpha,
            )
    return score / total


def novel_acts(window: Window, baseline: Baseline) -> int:
    """Signals in the window whose act the baseline never counted (a new tool, say)."""
    seen = baseline.counts[0]
    return sum(count for act, count in window.counts[0].items() if act not in seen)
