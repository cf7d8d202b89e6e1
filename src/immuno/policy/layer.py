"""The policy component: a Layer for tool calls, an Observer for what agents read.

As a layer it decides every ``tool_call`` against the compiled manifests. With no
manifest configured it refuses every tool call (default deny) and leaves other
signals alone, so text scanning works without one.

As an observer it files every delivered read (message, tool result, memory read)
under its session (``sessions.py``) for the data-flow rules (an untrusted one as it
came, judged by the first decision that asks about it: ``flow.unjudged``), remembers
values a delivered write carried that only untrusted content supported
(``written.py``), and turns a held call into a stored approval request once the
verdict really is ``hold``.
A read outside any session (no ``trace``) is judged alone and filed nowhere.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import msgspec

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.policy.approvals import Approvals
from immuno.policy.cues import normalize
from immuno.policy.engine import (
    LAYER,
    Policy,
    RateBook,
    Rates,
    SharedRateBook,
    block,
    shown,
    supports,
)
from immuno.policy.flow import (
    MAX_READ_CHARS,
    Part,
    TraceReads,
    fielded_parts,
    judge_read,
    read_parts,
    unjudged,
    value_strings,
)
from immuno.policy.sessions import SessionReads
from immuno.policy.spec import Source
from immuno.policy.words import tokens
from immuno.policy.written import WrittenValues, items_written, scope_of

if TYPE_CHECKING:
    from immuno.store.shared import SharedState


log = logging.getLogger("immuno.policy")

_READS = frozenset({SignalKind.MESSAGE, SignalKind.TOOL_RESULT, SignalKind.MEMORY_READ})
NO_MANIFEST = (
    "no policy manifest is configured, so every tool call is refused "
    "(list manifests under policy.manifests in immuno.yaml)"
)


class PolicyLayer:
    name = LAYER
    # tool calls by the manifests; reads by what they may vouch for (clean or flagged)
    judges = frozenset(SignalKind) - {SignalKind.OUTPUT}

    def __init__(
        self,
        policy: Policy | None,
        *,
        flow: SessionReads,
        approvals: Callable[[], Approvals],
        written: Callable[[], WrittenValues],
        monotonic: Callable[[], float] = time.monotonic,
        shared: SharedState | None = None,
    ) -> None:
        self.policy = policy
        self.flow = flow
        # With Redis every replica counts against one cap; else this process counts.
        self.rates: Rates = SharedRateBook(shared) if shared is not None else RateBook()
        # Rate caps count on our own clock: ``Signal.at`` is the caller's to set.
        self.monotonic = monotonic
        self._open_approvals = approvals
        self._open_written = written
        self._pending: dict[str, tuple[str, str]] = {}  # signal id -> (request id, reason)
        # (session, agent) -> (tool, why) for the one read that may answer a lookup the
        # user named (``_note_user_named``)
        self._asked: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        # Sessions and rate windows are shared by every thread calling Immune.check.
        self._lock = threading.Lock()

    @cached_property
    def approvals(self) -> Approvals:
        """The approval book (opens the store on first use)."""
        return self._open_approvals()

    @cached_property
    def written(self) -> WrittenValues:
        """The book of values written back from untrusted content (opens the store)."""
        return self._open_written()

    # -- Layer ----------------------------------------------------------------------

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        if self.policy is None:
            if signal.kind != SignalKind.TOOL_CALL:
                return []
            return [block("policy.no_manifest", NO_MANIFEST)]
        if signal.kind != SignalKind.TOOL_CALL:
            if signal.trace is None:
                return []
            with self._lock:  # the session cache is shared by every thread
                ended = self.flow.ended(signal.agent, signal.trace)
            return [_session_ended(signal.trace)] if ended else []
        self._judge_waiting(signal)
        with self._lock:
            found = self.flow.lookup(signal.agent, signal.trace)
            if found.ended:
                return [_session_ended(signal.trace)]
            now = self.monotonic()
            findings = self.policy.decide(
                signal.agent, signal.tool or "", signal.args, found.reads, self.rates, now
            )
            # A rate slot is taken at the decision, under the same lock, so calls racing
            # each other cannot all find the cap unreached (a call another layer then
            # stops keeps its slot: that errs towards refusing).
            if not any(f.action is not None and f.action.stops for f in findings):
                self._take_slot(signal, now)
        if any(f.action is Action.HOLD for f in findings):
            findings = self._settle_holds(signal, findings)
            if not any(f.action is not None and f.action.stops for f in findings):
                with self._lock:  # an approved hold runs now: it takes its slot too
                    self._take_slot(signal, self.monotonic())
        return findings

    def _judge_waiting(self, signal: Signal) -> None:
        """Judge the reads this call's decision will look at that wait to be judged,
        outside the lock (judging is the slow part): only for a tool that asks for
        clean content (and before remembering a sink's values: ``_remember``). Another
        decision (a refusal's explanation, a ``from: trusted`` value not found) judges
        what it needs under the lock."""
        assert self.policy is not None
        tool = self.policy.tools.get(signal.tool or "")
        if tool is not None and tool.asks_clean:
            self._judge_reads(signal)

    def _judge_reads(self, signal: Signal) -> None:
        if signal.trace is None:
            return
        with self._lock:
            reads = self.flow.get(signal.agent, signal.trace)
            waiting = reads.waiting() if reads is not None else []
        if not waiting:
            return
        done = {part: judge_read(part) for part in waiting}
        with self._lock:
            reads = self.flow.get(signal.agent, signal.trace)
            if reads is not None:
                reads.judged(done)

    def _take_slot(self, signal: Signal, now: float) -> None:
        assert self.policy is not None
        tool = self.policy.tools.get(signal.tool or "")
        if tool is not None and tool.spec.rate is not None:
            self.rates.record(signal.agent, signal.tool or "", tool.spec.rate, now)

    def _settle_holds(self, signal: Signal, findings: list[Finding]) -> list[Finding]:
        if any(f.action is Action.BLOCK for f in findings):
            return findings  # a block is never approved away; no request is made
        holds = [f for f in findings if f.action is Action.HOLD]
        reason = "; ".join(f.message for f in holds)
        if signal.approval_id is None:
            request = uuid.uuid4().hex
            with self._lock:
                self._pending[signal.id] = (request, reason)
            return [msgspec.structs.replace(f, ref=request) if f in holds else f for f in findings]
        presented = signal.approval_id
        problem = self.approvals.claim(presented, signal.agent, signal.tool or "", signal.args)
        if problem is None:
            return [
                Finding(
                    layer=LAYER,
                    code="policy.approved",
                    severity=Severity.INFO,
                    score=0.0,
                    message=f"approved by the operator ({reason})",
                    ref=presented,
                )
            ]
        current = self.approvals.get(presented)
        if current is not None and current.status == "pending" and current.agent == signal.agent:
            return [msgspec.structs.replace(f, ref=presented) for f in holds]
        return [block("policy.approval_invalid", problem)]

    # -- Observer -------------------------------------------------------------------

    def observe(self, signal: Signal, verdict: Verdict) -> None:
        if signal.kind == SignalKind.TOOL_CALL:
            self._after_call(signal, verdict)
        elif signal.kind in _READS and signal.content and self._delivered(verdict):
            level = self._level(signal, verdict)
            # The user's own words are theirs; what a tool or memory returns may hold
            # values an agent wrote there from untrusted content.
            if signal.trace is None:
                return  # judged alone: a read outside any session vouches for nothing
            assert self.policy is not None
            if not self.policy.asks_origin:
                # no rule asks where a value came from: judging the read and indexing its
                # words would serve nothing. It is filed empty, so that an untrusted one
                # still taints the session (``if_tainted``).
                with self._lock:
                    self.flow.file(signal.agent, signal.trace, (Part(level, "", frozenset()),))
                return
            with self._lock:  # only the very next read of the agent can be the answer
                asked = self._asked.pop((signal.trace, signal.agent), None)
            parts = self._parts(signal, verdict, level, asked)  # not under the lock
            with self._lock:
                self.flow.file(signal.agent, signal.trace, parts)
        elif signal.kind == SignalKind.MEMORY_WRITE and self._delivered(verdict):
            self._remember(signal, lambda: [signal.content])

    def _parts(
        self, signal: Signal, verdict: Verdict, level: Source, asked: tuple[str, str] | None
    ) -> tuple[Part, ...]:
        """A delivered read as it is filed. Judging it (and parsing its markup) is the
        slow part: it is done here, outside the lock, only where something known now
        decides it; a plain untrusted read is filed as it came and judged when a
        decision first asks about it (``flow.unjudged``)."""
        assert signal.content is not None
        if verdict.action is Action.EXCISE and verdict.sanitized is not None:
            return excised_parts(signal.content, verdict, level)
        answers = asked is not None and asked[0] == signal.tool
        if answers and level is Source.CLEAN and verdict.action is Action.ALLOW:
            assert asked is not None
            return endorsed(read_parts(signal.content, level), asked[1])
        if level is not Source.TRUSTED:
            return unjudged(signal.content, level)
        # what was written back from untrusted content until now keeps its level in it
        demotions = None
        if signal.kind != SignalKind.MESSAGE:
            demotions = self.written.scoped(scope_of(signal.tool, write=False))
        outsiders = self._outsider_fields(signal)
        if outsiders:
            # a field an outsider writes, in a read some layer flagged, vouches for nothing
            other = Source.CLEAN if verdict.action is Action.ALLOW else Source.ANY
            content = signal.content[:MAX_READ_CHARS]
            return fielded_parts(content, outsiders, demotions, other)
        return read_parts(signal.content, level, demotions)

    def _outsider_fields(self, signal: Signal) -> frozenset[str]:
        tool = self.policy.tools.get(signal.tool or "") if self.policy is not None else None
        if tool is None or signal.kind is not SignalKind.TOOL_RESULT:
            return frozenset()
        return frozenset(tool.spec.outsider_fields)

    def end_session(self, session: str) -> bool:
        """End a session: what was read in it vouches for nothing any more."""
        with self._lock:
            for key in [k for k in self._asked if k[0] == session]:
                del self._asked[key]
            return self.flow.end(session)

    def _delivered(self, verdict: Verdict) -> bool:
        return self.policy is not None and not verdict.action.stops

    def _after_call(self, signal: Signal, verdict: Verdict) -> None:
        with self._lock:
            pending = self._pending.pop(signal.id, None)
            if signal.trace is not None:  # a new call: an earlier lookup's answer is lost
                self._asked.pop((signal.trace, signal.agent), None)
        if pending is not None and verdict.action is Action.HOLD:
            request, reason = pending
            args = signal.args
            self.approvals.create(
                request, signal.agent, signal.tool or "", args, signal.trace, reason
            )
            log.info("held %s/%s for approval %s", signal.agent, signal.tool, request)
        if self.policy is None or verdict.action.stops:
            return
        tool = self.policy.tools.get(signal.tool or "")
        approved = any(f.code == "policy.approved" for f in verdict.findings)
        if tool is not None and tool.spec.sink is not None and not approved:
            # An operator's approval vouches for the values of the call it let through.
            self._remember(signal, lambda: _written_strings(signal.args))
        if tool is not None and tool.spec.endorse and tool.spec.sink is None:
            self._note_user_named(signal, tool.spec.trusted_output)

    def _note_user_named(self, signal: Signal, trusted_output: bool) -> None:
        """A lookup whose every argument the user's own words supply (a file they
        named, a record id they gave) asks for content the user vouches for: its next
        result in the session is endorsed (``endorsed``)."""
        if signal.trace is None or trusted_output:
            return
        texts = value_strings(signal.args)
        norms = [normalize(text).strip() for text in texts]
        if not any(_names_something(norm) for norm in norms):
            return  # no argument ("my inbox") or plain words ("invoice") name nothing
        with self._lock:
            reads = self.flow.get(signal.agent, signal.trace)
            if reads is None or not all(_user_said(reads, norm) for norm in norms):
                return
            named = ", ".join(f"{k}={shown(str(v))}" for k, v in signal.args.items())
            via = f"the user's request named what {signal.tool}({named}) read"
            self._asked[(signal.trace, signal.agent)] = (signal.tool or "", via)
            while len(self._asked) > MAX_ASKED:
                self._asked.popitem(last=False)

    def _remember(self, signal: Signal, values: Callable[[], list[str]]) -> None:
        with self._lock:
            reads = self.flow.get(signal.agent, signal.trace)
            if reads is None or not reads.tainted:
                return  # only trusted content read: nothing to launder
            texts = values()
            waiting = bool(reads.waiting()) and _asks_untrusted(reads, texts)
        if waiting:  # a value not in trusted reads: judge the others outside the lock
            self._judge_reads(signal)
        with self._lock:
            reads = self.flow.get(signal.agent, signal.trace)
            if reads is None:
                return
            items = items_written(texts, partial(supports, reads))
        if items:
            scope = scope_of(signal.tool, write=True)
            tool = signal.tool or signal.kind
            self.written.remember(items, scope, signal.agent, tool, signal.trace)

    def _level(self, signal: Signal, verdict: Verdict) -> Source:
        assert self.policy is not None
        if verdict.action is Action.EXCISE:
            # injected text was cut out of it, even from a trusted tool: someone outside
            # wrote into it, so what is left is judged as untrusted content
            return Source.CLEAN
        if signal.provenance == Provenance.TRUSTED or (
            signal.kind == SignalKind.TOOL_RESULT and signal.tool in self.policy.trusted_outputs
        ):
            return Source.TRUSTED
        if verdict.action is not Action.ALLOW:
            return Source.ANY  # read, but flagged: vouches for nothing
        return Source.CLEAN  # at most: flow judges it sentence by sentence


MIN_NAMED = 3  # characters, at least, of an argument that names a document
MAX_ASKED = 10_000  # lookups waiting for their result, per worker


def _asks_untrusted(reads: TraceReads, texts: list[str]) -> bool:
    """Would remembering these values look them up below trusted (which judges the
    reads waiting for it)? Asked with lookups at trusted only."""
    asked = False

    def trusted_only(norm: str, level: Source) -> bool:
        nonlocal asked
        if level is Source.TRUSTED:
            return supports(reads, norm, level)
        asked = True
        return False

    items_written(texts, trusted_only)
    return asked


def _names_something(norm: str) -> bool:
    """A file name, a path, an id or an address, not a plain word: long enough, and
    with a digit or a mark (``bill-december.txt``, ``T-20484``, ``docs/q3``)."""
    return len(norm) >= MIN_NAMED and any(c.isdigit() or c in "./-_@:#" for c in norm)


def _user_said(reads: TraceReads, norm: str) -> bool:
    """In trusted reads, and not only through another endorsement (no chains)."""
    return (
        bool(norm)
        and reads.contains_normalized(norm, Source.TRUSTED)
        and reads.endorsement(norm) is None
    )


def endorsed(parts: tuple[Part, ...], via: str) -> tuple[Part, ...]:
    """A read the user asked for: its clean sentences count as trusted, marked with
    ``via``; flagged and unclean ones (injection evidence) keep their level."""
    return tuple(
        replace(part, level=Source.TRUSTED, via=via) if part.level is Source.CLEAN else part
        for part in parts
    )


def excised_parts(content: str, verdict: Verdict, level: Source) -> tuple[Part, ...]:
    """The parts of what was delivered (the sanitised text), judged as usual, except
    that no word of a cut span vouches, even where it also appears in the rest."""
    assert verdict.sanitized is not None
    cut = " ".join(
        content[f.span.start : f.span.end]
        for f in verdict.findings
        if f.action is Action.EXCISE and f.span is not None
    )
    said = normalize(cut)
    banned = tokens(said)
    against = " ".join(said.split())  # a phrase of the cut (a spaced IBAN, a name) too
    return tuple(
        part
        if part.level is Source.ANY
        else replace(
            part,
            tokens=part.tokens - banned,
            against=f"{part.against}\x00{against}" if part.against else against,
        )
        for part in read_parts(verdict.sanitized, level)
    )


def _session_ended(session: str | None) -> Finding:
    return block(
        "policy.session_ended",
        f"session {session!r} has ended (or expired); open a new session for a new task",
        Severity.MEDIUM,
    )


def _written_strings(args: Mapping[str, Any]) -> list[str]:
    """The strings of a call's arguments that could carry a value worth remembering:
    strings (nested too) and integers long enough to be an account number."""
    found: list[str] = []
    for value in args.values():
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple | dict):
            found.extend(value_strings(value))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**7:
            found.append(str(value))
    return found
