"""Immune: the one ordered flow every signal runs through."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from immuno.core import sdk
from immuno.core.action import Action
from immuno.core.authority import DEFAULT_AUTHORITY_FILE, Authority
from immuno.core.config import Config, Thresholds
from immuno.core.errors import ConfigError, InputError, StoreError
from immuno.core.finding import Finding, Severity
from immuno.core.layer import Layer, Observer, Sealer
from immuno.core.outcome import LayerRate, Outcome, outcome_record
from immuno.core.registry import registered
from immuno.core.session import Session, current_session
from immuno.core.signal import Provenance, Signal, SignalKind, parse_signal, signal_for_source
from immuno.core.verdict import Verdict, excise
from immuno.store import Store, open_store

if TYPE_CHECKING:
    from immuno.store.shared import SharedState

Clock = Callable[[], float]
log = logging.getLogger("immuno")


def own_action(finding: Finding, thresholds: Thresholds) -> Action:
    """What one finding alone would make of its signal: its named action, else its
    score against the thresholds."""
    if finding.action is not None:
        return finding.action
    if finding.score >= thresholds.block:
        return Action.BLOCK
    return Action.FLAG if finding.score >= thresholds.flag else Action.ALLOW


def failure_finding(layer: str, exc: BaseException, code: str = "layer.error") -> Finding:
    """The finding a failing component leaves behind: fail closed, say what broke."""
    return Finding(
        layer=layer,
        code=code,
        severity=Severity.CRITICAL,
        score=1.0,
        message=f"{layer} failed ({type(exc).__name__}: {exc}); blocked to fail closed",
        action=Action.BLOCK,
    )


def judged_kinds(layers: Sequence[Layer]) -> frozenset[SignalKind]:
    """The signal kinds some layer can judge. A layer names them in ``judges``; one
    that does not is taken to judge every kind."""
    kinds: set[SignalKind] = set()
    for layer in layers:
        kinds.update(getattr(layer, "judges", SignalKind))
    return frozenset(kinds)


def unjudged_finding(signal: Signal) -> Finding:
    """A kind no configured layer can judge is refused, never allowed unseen."""
    return Finding(
        layer="pipeline",
        code="pipeline.unjudged",
        severity=Severity.HIGH,
        score=1.0,
        message=f"no configured layer judges {signal.kind.value} signals; refused",
        action=Action.BLOCK,
    )


class Immune:
    """Runs signals through the configured layers and folds findings into a verdict.

    ``Immune()`` with no arguments is the strict configuration: every registered
    layer, default thresholds, the working directory's store opened on first use.
    Pass ``layers=`` to compose your own pipeline; an empty one is refused, since a
    pipeline with no layers would allow everything. ``sealer=`` seals into a log that
    is shared with other pipelines (turn the configured one off with ``audit.enabled``).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        layers: Sequence[Any] | None = None,
        store: Store | None = None,
        authority: Authority | None = None,
        sealer: Sealer | None = None,
        clock: Clock = time.time,
        monotonic: Clock | None = None,
    ) -> None:
        self.config = config if config is not None else Config()
        self.clock = clock
        # Intervals (rate caps) run on a clock no caller and no wall-clock jump can move;
        # an injected clock drives them too unless a monotonic one is given.
        self.monotonic: Clock = monotonic or (time.monotonic if clock is time.time else clock)
        self._store = store
        self._shared: SharedState | None = None
        self._authority: Authority | None = authority
        components = list(layers) if layers is not None else self._build_components()
        self.layers: list[Layer] = [c for c in components if isinstance(c, Layer)]
        self.observers: list[Observer] = [c for c in components if isinstance(c, Observer)]
        sealers = [c for c in components if isinstance(c, Sealer)]
        if sealer is not None:  # an audit log shared by several pipelines
            sealers.append(sealer)
        if not self.layers:
            raise ConfigError("layers", "no layer is configured; refusing to allow everything")
        if len(sealers) > 1:
            raise ConfigError("layers", "more than one sealer (audit log) is configured")
        self.sealer: Sealer | None = sealers[0] if sealers else None
        self._owns_sealer = sealer is None  # a shared log is closed by its owner
        self._closed = False
        self.judged = judged_kinds(self.layers)
        if self.config.sandbox.unsafe_run_unsandboxed:  # said at every start
            from immuno.sandbox.sdk import warn_if_unsafe

            warn_if_unsafe(self)

    def _build_components(self) -> list[Any]:
        built = (registration.factory(self) for registration in registered())
        return [component for component in built if component is not None]

    @property
    def store(self) -> Store:
        """The shared store, opened on first use."""
        if self._store is None:
            self._store = open_store(self.config.store.location, timeout=self.config.store.timeout)
        return self._store

    @property
    def shared(self) -> SharedState | None:
        """Fleet state in Redis (``store.redis``), opened on first use; None without it."""
        if self._shared is None and self.config.store.redis is not None:
            try:
                from immuno.store.shared import SharedState
            except ImportError:  # redis-py is an optional extra
                raise ConfigError(
                    "store.redis", "needs the redis client: pip install 'immuno[fleet]'"
                ) from None
            self._shared = SharedState(self.config.store.redis)
        return self._shared

    @property
    def authority(self) -> Authority:
        """The authority signing key, kept beside the store (created on first use)."""
        if self._authority is None:
            folder = self.config.store.folder
            self._authority = Authority.load_or_create(folder / DEFAULT_AUTHORITY_FILE)
        return self._authority

    def layer(self, name: str) -> Any:
        """The component called ``name``; KeyError when it is not configured."""
        for component in (*self.layers, *self.observers, self.sealer):
            if component is not None and getattr(component, "name", None) == name:
                return component
        raise KeyError(name)

    def vaccinate(self, text: str) -> str:
        """Add an attack to immune memory; returns the vaccine's id.

        Delegates to the first component that keeps vaccines (the detect layer).
        """
        for component in (*self.layers, *self.observers):
            vaccinate = getattr(component, "vaccinate", None)
            if callable(vaccinate):
                return str(vaccinate(text))
        raise ConfigError("layers", "no configured component keeps vaccines (is detect enabled?)")

    # -- operator outcomes and the autoimmunity rate ------------------------------

    def false_positive(
        self,
        subject: str,
        *,
        signal_id: str | None = None,
        approval_id: str | None = None,
        by: str = "operator",
    ) -> Outcome:
        """Check that ``subject`` (a quarantine or approval id) names a signal some layer
        stopped or held, and return the outcome "it was benign"; nothing is written
        until :meth:`record_outcome`, so the operator's action can run in between."""
        outcome = self._ledger().false_positive(
            subject, signal_id=signal_id, approval_id=approval_id, by=by
        )
        if not isinstance(outcome, Outcome):
            raise ConfigError("layers", "the outcome ledger returned no outcome")
        return outcome

    def record_outcome(self, outcome: Outcome) -> Outcome:
        """Seal an operator outcome into the audit log, then keep it for the rate."""
        if self.sealer is not None:
            signal, verdict = outcome_record(outcome)
            outcome = msgspec.structs.replace(outcome, seq=self.sealer.seal(signal, verdict))
        self._ledger().record(outcome)
        return outcome

    def autoimmunity(self) -> dict[str, LayerRate]:
        """Per layer: signals it stopped or held, the false positives operators confirmed
        among them, and their ratio (``LayerRate.rate``), the live autoimmunity rate."""
        rates = self._ledger().autoimmunity()
        return {str(layer): rate for layer, rate in rates.items() if isinstance(rate, LayerRate)}

    def _ledger(self) -> Any:
        try:
            return self.layer("outcomes")
        except KeyError:
            raise ConfigError("layers", "no outcome ledger is configured") from None

    # -- the one decision function --------------------------------------------------

    def check(
        self, signal: Signal | Mapping[str, Any], *, evidence: Sequence[Finding] = ()
    ) -> Verdict:
        """Decide on one signal. Never raises for a layer's fault: that is a block.

        ``evidence`` is what a component outside the layers found about the signal (an
        MCP proxy's changed tool description): the layers see it as earlier findings,
        the response engine charges and correlates it, and it folds into the verdict."""
        started = time.perf_counter_ns()
        if not isinstance(signal, Signal):
            signal = parse_signal(signal)
        if signal.at == 0.0:
            signal = msgspec.structs.replace(signal, at=self.clock())
        if signal.trace is None and (session := current_session()) is not None:
            signal = msgspec.structs.replace(signal, trace=session)  # inside `with session()`
        findings: list[Finding] = list(evidence)
        if signal.kind not in self.judged:
            findings.append(unjudged_finding(signal))
        for layer in self.layers:
            try:
                findings.extend(layer.inspect(signal, findings))
            except Exception as exc:  # fail closed, never allow on a layer error
                findings.append(failure_finding(layer.name, exc))
        verdict = self._sealed(signal, self.fold(signal.id, findings, signal.content))
        # Observers act on a decision already made durable (they file reads, open
        # approval requests). One that fails turns the verdict into a block, and that
        # correction is sealed too, so the log never shows less than what happened.
        failures = []
        for observer in self.observers:
            try:
                observer.observe(signal, verdict)
            except Exception as exc:
                failures.append(failure_finding(observer.name, exc))
        if failures:
            verdict = self._sealed(signal, self.fold(signal.id, [*findings, *failures]))
        latency = (time.perf_counter_ns() - started) / 1000.0
        return msgspec.structs.replace(verdict, latency_us=latency)

    def _sealed(self, signal: Signal, verdict: Verdict) -> Verdict:
        """The verdict with its audit sequence number; a seal that fails blocks."""
        if self.sealer is None:
            return verdict
        try:
            return msgspec.structs.replace(verdict, seq=self.sealer.seal(signal, verdict))
        except Exception as exc:
            findings = [*verdict.findings, failure_finding("audit", exc, code="audit.seal_failed")]
            return self.fold(signal.id, findings)

    async def acheck(self, signal: Signal | Mapping[str, Any]) -> Verdict:
        """The async face of :meth:`check`; it decides exactly the same way."""
        return self.check(signal)

    def scan(self, text: str, source: str = "tool", *, agent: str = "scan") -> Verdict:
        """Check a bare text as if it came from ``source`` (user, tool, agent, memory)."""
        return self.check(signal_for_source(text, source, agent=agent))

    # -- sessions -------------------------------------------------------------------

    def session(
        self, request: str | None = None, *, agent: str | None = None, id: str | None = None
    ) -> Session:
        """A new session (one user task), to use as a context manager. With ``request``
        (and the ``agent`` it is for), the user's words are filed as trusted content."""
        session = Session(self, id)
        if request is not None:
            if agent is None:
                raise InputError("agent", "a request is filed for an agent: name it")
            session.trust(agent, request)
        return session

    def end_session(self, session: str) -> bool:
        """End a session everywhere: what was read in it vouches for nothing any more,
        and its id is refused. False when no component keeps sessions or it had ended."""
        ended = False
        for component in (*self.layers, *self.observers):
            end = getattr(component, "end_session", None)
            if callable(end):
                ended = bool(end(session)) or ended
        return ended

    # -- the SDK: guarded tools ---------------------------------------------------

    def guard_call(
        self,
        agent: str,
        tool: str,
        args: Mapping[str, Any],
        *,
        trace: str | None = None,
        approval_id: str | None = None,
    ) -> Verdict:
        """Check a tool call before it runs; raises Blocked or HeldForApproval."""
        return sdk.guard_call(self, agent, tool, args, trace=trace, approval_id=approval_id)

    def guard_result(
        self,
        agent: str,
        tool: str,
        content: str,
        *,
        provenance: Provenance = Provenance.UNTRUSTED,
        trace: str | None = None,
    ) -> Verdict:
        """Check a tool's output before the model reads it; raises Blocked when stopped."""
        return sdk.guard_result(self, agent, tool, content, provenance=provenance, trace=trace)

    def tool(
        self,
        *,
        agent: str,
        name: str | None = None,
        provenance: Provenance = Provenance.UNTRUSTED,
        trace: str | None = None,
        sandboxed: bool = False,
    ) -> Callable[[Callable[sdk.P, sdk.R]], Callable[sdk.P, sdk.R]]:
        """Decorator: every call is checked first, every result before the model reads it.
        ``sandboxed=True`` runs the function in the tool's sandbox (``immuno.sandbox``)."""
        return sdk.tool(
            self, agent=agent, name=name, provenance=provenance, trace=trace, sandboxed=sandboxed
        )

    def run_sandboxed(
        self,
        agent: str,
        tool: str,
        target: Sequence[str] | Callable[..., Any],
        args: Mapping[str, Any] | None = None,
        *,
        trace: str | None = None,
        approval_id: str | None = None,
        stdin: bytes = b"",
    ) -> Any:
        """Check the call, run ``target`` (an argv list, or a module-level function
        called with ``**args``) in the tool's sandbox, check its output as an untrusted
        tool result with the sandbox's outcome as evidence; returns a ``SandboxRun``.
        Raises Blocked / Excised / HeldForApproval like ``guard_call`` and ``guard_result``."""
        from immuno.sandbox.sdk import run_sandboxed

        return run_sandboxed(
            self, agent, tool, target, args, trace=trace, approval_id=approval_id, stdin=stdin
        )

    def fold(
        self, signal_id: str, findings: Sequence[Finding], content: str | None = None
    ) -> Verdict:
        """Findings -> verdict: the strictest action any finding demands. A finding
        that names its action (a policy deny, a graded quarantine) is decided by it;
        the others by their score against the thresholds.

        ``excise`` is delivering ``content`` with the spans its findings mark cut out
        (``Verdict.sanitized``). It needs spans in the content: an excision without
        one, or without the content at hand, blocks instead (fail closed)."""
        score = max((f.score for f in findings), default=0.0)
        action = Action.ALLOW
        approval_id = None
        for finding in findings:
            action = action | own_action(finding, self.config.thresholds)
            if finding.action is Action.HOLD and approval_id is None:
                approval_id = finding.ref
        sanitized = None
        if action is Action.EXCISE:
            cuts = [f for f in findings if f.action is Action.EXCISE]
            if content is None or any(f.span is None or f.part != "content" for f in cuts):
                action = Action.BLOCK
            else:
                sanitized = excise(content, [f.span for f in cuts if f.span is not None])
        return Verdict(
            signal_id=signal_id,
            action=action,
            score=score,
            findings=tuple(findings),
            approval_id=approval_id if action is Action.HOLD else None,
            sanitized=sanitized,
        )

    def close(self) -> None:
        """Let components write what they buffer (``flush``), let the sealer sign a head
        for its unsigned tail, then close the store. Closing again does nothing. With the
        store gone, what cannot be written is logged (the log's tail stays unsigned until
        a later head covers it) and the rest is still closed."""
        if self._closed:
            return
        self._closed = True
        steps = [
            getattr(component, "flush", None)
            for component in {id(c): c for c in (*self.layers, *self.observers)}.values()
        ]
        steps.append(getattr(self.sealer, "close", None) if self._owns_sealer else None)
        for step in steps:
            if callable(step):
                try:
                    step()
                except StoreError as exc:
                    log.warning("closing: %s could not write to the store: %s", step, exc)
        if self._shared is not None:
            self._shared.close()
            self._shared = None
        if self._store is not None:
            self._store.close()
            self._store = None
