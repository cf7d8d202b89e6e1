"""The seams every layer plugs into. Layers meet through these types only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from immuno.core.finding import Finding
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict


@runtime_checkable
class Layer(Protocol):
    """Inspects a signal and returns findings.

    ``earlier`` holds the findings of the layers that ran before, so a later layer
    (response, for one) can weigh them. Raising is allowed: the pipeline turns it
    into a ``block`` (fail closed).

    A layer may name the signal kinds it can judge in a ``judges`` attribute (a set
    of :class:`SignalKind`); one without it is taken to judge every kind. A signal
    whose kind no configured layer judges is refused.
    """

    name: str

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> Iterable[Finding]: ...


@runtime_checkable
class Observer(Protocol):
    """Learns from a decided signal (baselines, threat memory). Runs after sealing."""

    name: str

    def observe(self, signal: Signal, verdict: Verdict) -> None: ...


@runtime_checkable
class Sealer(Protocol):
    """Makes a decision durable before the caller acts on it; returns its sequence number."""

    def seal(self, signal: Signal, verdict: Verdict) -> int: ...
