"""Replication: content that spreads from agent to agent by being re-emitted.

A worm needs no wording that detection knows: it needs its readers to copy it on. So
the shape of the traffic is the signal, whatever the text says. For every message
between agents the tracker keeps, per *cluster* of near-identical texts (``sketch``),
who delivered it to whom. Three shapes:

* a **broadcast**: an agent sends its own text to several peers. Honest (a status
  note to the team); nothing is raised.
* a **forward**: an agent re-emits a text it *received* from another agent (near
  verbatim, its own header on top) to a peer that does not have it yet (a send back
  to its source or its origin is a reply quoting it). One forward to a colleague or
  two is honest.
* **replication**: a forward of a text that has reached ``fanout`` agents, this send
  included (patient zero's first fan-out reaches its peers; its first reader's
  forward then reaches one more). The relay is held (``response.replication``) and
  the cluster is flagged: any later forward of it is held too. Once ``relayers``
  distinct agents have been caught relaying it, one of them fanning it out
  (``fanout`` held forwards), the content is a **worm**: every delivery of it is
  held (``response.worm``), and its origins (who sent it without having received
  it) are charged for each relayer from then on (``response.worm_origin``).

State is per process and in memory (like the drift windows), bounded by ``MAX_CLUSTERS``
and the window. Replicas share what follows from it: the ladder moves, and the suspect
payloads a quarantine makes of the agent's recent output.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from immuno.core.config import ReplicationConfig
from immuno.core.finding import Finding
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.response import findings as F
from immuno.response.sketch import Sketch, bands, overlap, sketch

MAX_CLUSTERS = 20_000
MAX_PENDING = 4096  # judged messages waiting for their verdict
MAX_PEERS = 1024  # recipients remembered per cluster
MAX_PER_BAND = 64  # newest clusters kept per LSH band (templated texts share bands)


@dataclass(slots=True)
class Cluster:
    """One text and its near-duplicates, and how it travelled."""

    sketch: Sketch
    last_at: float
    first_sent: dict[str, float] = field(default_factory=dict)
    got: dict[str, tuple[str, float]] = field(default_factory=dict)  # first (sender, at)
    reached: set[str] = field(default_factory=set)  # every agent it was delivered to
    relayers: list[str] = field(default_factory=list)  # caught relaying, in order
    attempts: dict[str, int] = field(default_factory=dict)  # held forwards per relayer
    flagged: bool = False
    worm: bool = False

    def source_of(self, agent: str) -> str | None:
        """Who ``agent`` got the text from, when it got it before sending it itself."""
        got = self.got.get(agent)
        if got is None:
            return None
        sent = self.first_sent.get(agent)
        return got[0] if sent is None or got[1] <= sent else None

    def origins(self) -> list[str]:
        """Agents that sent it without having received it first."""
        return sorted(a for a in self.first_sent if self.source_of(a) is None)


@dataclass(frozen=True, slots=True)
class Sending:
    """What the tracker says about one message before it is delivered."""

    relay_of: str | None  # the agent the sender received the text from (a forward)
    spread: int  # agents the text reached, this send included
    replicating: bool  # hold: a forward of content that spread, or of a flagged one
    attempt: int  # the sender's held forwards of this text, this one included
    worm: bool  # hold: the content is a confirmed worm
    origin: bool  # the sender sent the text without having received it
    charge: tuple[str, ...]  # origins to charge now (a new relayer of a worm)
    relayers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Judged:
    """The response engine's share of a judgement: findings on this message, those of
    them charged to its sender, origins to charge, exact texts that become suspect."""

    findings: list[Finding]
    evidence: list[Finding]
    charges: list[tuple[str, Finding]]


class Replication:
    def __init__(self, config: ReplicationConfig) -> None:
        self.config = config
        self.clusters: OrderedDict[int, Cluster] = OrderedDict()  # oldest first
        self._index: dict[bytes, list[int]] = {}
        self._next = 0
        self._pending: OrderedDict[str, tuple[int, str, str]] = OrderedDict()

    def inspect(self, signal: Signal, actor: str | None, now: float) -> Judged | None:
        """The findings a message between agents earns (None: not such a message, too
        short to sketch, or nothing to say).

        What is charged to the sender: a forwarder's first held forward of a text
        (low), and each from its ``fanout``-th on (medium: it fans the text out, as an
        honest forward to a colleague or two does not); an origin that sends a
        confirmed worm again (high). Origins are charged (medium) for each agent
        caught relaying their text once it is a worm."""
        if (
            signal.kind != SignalKind.MESSAGE
            or actor is None
            or actor != signal.peer
            or signal.provenance != Provenance.INTERNAL
            or not signal.content
        ):
            return None
        text = signal.text()
        said = self.judge(signal.id, actor, signal.agent, text, now)
        if said is None or not (said.worm or said.replicating):
            return None
        found: list[Finding] = [F.worm(said.relayers)] if said.worm else []
        evidence: list[Finding] = []
        if said.replicating:
            source = said.relay_of or "?"
            if said.attempt == 1 or said.attempt >= self.config.fanout:
                fans = said.attempt >= self.config.fanout
                evidence.append(F.replication(actor, source, said.spread, fans))
            if not said.worm:
                found.append(evidence[0] if evidence else F.replication(actor, source, said.spread))
            else:
                found += evidence
        elif said.worm and said.origin:
            evidence = found
        charges = [(o, F.worm_origin(o, said.relayers)) for o in said.charge if o != actor]
        return Judged(findings=found, evidence=evidence, charges=charges)

    def judge(
        self, signal_id: str, sender: str, recipient: str, text: str, now: float
    ) -> Sending | None:
        """Judge a message ``sender`` -> ``recipient``; None for a text too short to
        sketch. Call :meth:`settle` with its verdict."""
        sk = sketch(text)
        if sk is None:
            return None
        key = self._find(sk, now)
        cluster = self.clusters[key]
        cluster.last_at = now
        self.clusters.move_to_end(key)
        self._pending[signal_id] = (key, sender, recipient)
        if len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        source = cluster.source_of(sender)
        # to an agent that already has it (its source, its origin): no spread, a reply
        has_it = recipient in cluster.reached or recipient in cluster.first_sent
        relay = source is not None and not has_it
        spread = len(cluster.reached | {recipient})
        replicating = relay and (cluster.flagged or spread >= self.config.fanout)
        charge: tuple[str, ...] = ()
        attempt = 0
        if replicating:
            cluster.flagged = True
            attempt = cluster.attempts[sender] = cluster.attempts.get(sender, 0) + 1
            if attempt == 1:
                cluster.relayers.append(sender)
            # a worm: several agents relay it, and one at least fans it out (honest
            # forwarders of one team-wide note each pass it to a colleague or two)
            confirmed = len(cluster.relayers) >= self.config.relayers and (
                max(cluster.attempts.values()) >= self.config.fanout
            )
            if confirmed and (attempt == 1 or not cluster.worm):
                charge = tuple(cluster.origins())  # once per relayer from here on
            cluster.worm = cluster.worm or confirmed
        return Sending(
            relay_of=source if relay else None,
            spread=spread,
            replicating=replicating,
            attempt=attempt,
            worm=cluster.worm,
            origin=source is None,
            charge=charge,
            relayers=tuple(cluster.relayers),
        )

    def settle(self, signal_id: str, delivered: bool, now: float) -> None:
        """Record a judged message as delivered (or forget it, if it was stopped)."""
        pending = self._pending.pop(signal_id, None)
        if pending is None or not delivered:
            return
        key, sender, recipient = pending
        cluster = self.clusters.get(key)
        if cluster is None:
            return
        if len(cluster.first_sent) < MAX_PEERS:
            cluster.first_sent.setdefault(sender, now)
        if recipient not in cluster.got and len(cluster.got) < MAX_PEERS:
            cluster.got[recipient] = (sender, now)
            cluster.reached.add(recipient)

    def _find(self, sk: Sketch, now: float) -> int:
        """The live cluster whose text ``sk`` overlaps most (at least ``overlap``), or a
        new one."""
        keys = bands(sk)
        best, best_sim = -1, self.config.overlap
        seen: set[int] = set()
        for band in keys:
            for key in self._index.get(band, ()):
                cluster = self.clusters.get(key)
                if key in seen or cluster is None or now - cluster.last_at > self.config.window:
                    continue
                seen.add(key)
                sim = overlap(sk, cluster.sketch)
                if sim >= best_sim:
                    best, best_sim = key, sim
        if best >= 0:
            return best
        key = self._next
        self._next += 1
        self.clusters[key] = Cluster(sk, now)
        for band in keys:
            listed = self._index.setdefault(band, [])
            listed.append(key)
            if len(listed) > MAX_PER_BAND:
                del listed[0]
        self._evict(now)
        return key

    def _evict(self, now: float) -> None:
        """Forget clusters quiet for longer than the window, and the oldest over the cap."""
        while self.clusters:
            key, oldest = next(iter(self.clusters.items()))
            if len(self.clusters) <= MAX_CLUSTERS and now - oldest.last_at <= self.config.window:
                break
            del self.clusters[key]
            for band in bands(oldest.sketch):
                keys = self._index.get(band)
                if keys is not None and key in keys:
                    keys.remove(key)
                    if not keys:
                        del self._index[band]
