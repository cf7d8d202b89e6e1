"""The detect layer: normalise, then weigh signatures, the classifier, vaccines,
anomalies and obfuscation into one score (``scoring.py``).

Every part of a signal is read: the content and each string leaf of the call's
arguments (``Signal.parts``), each scored on its own, each finding naming its part
(``content``, ``args.body``, ``args.to[1]``) with spans inside that part's text. An
injection in one argument cannot hide behind a benign content or benign siblings.
Arguments too large or too deep to read within the budget are blocked, not skipped.
The anomaly baselines read the signal as a whole.

Verdicts are graded on tool output (``grading.py``): when the classifier alone stands
against a part of a tool result or memory read, a calibrated score below the block
threshold flags, one between it and ``CLASSIFIER_BLOCK`` (0.95) quarantines the
content for an operator, and only one above blocks. Any other evidence keeps the
plain thresholds.

It is also an observer: after the verdict it teaches the anomaly baselines (allowed
signals only) and keeps flagged or stopped content in quarantine. ``vaccinate`` adds
an attack to immune memory.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from functools import cached_property

import msgspec

from immuno.core.action import Action
from immuno.core.config import DEFAULT_BLOCK_THRESHOLD, DEFAULT_FLAG_THRESHOLD
from immuno.core.errors import ConfigError
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Channel, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.detect.anomaly import AnomalyModel
from immuno.detect.classifier import Classifier
from immuno.detect.excise import injected_spans
from immuno.detect.grading import CLASSIFIER_CODE, LAYERED_CODE, grade
from immuno.detect.normalize import normalize
from immuno.detect.quarantine import Quarantine, should_hold
from immuno.detect.scoring import OBFUSCATION_SCORE, anomaly_score, combine, vaccine_score
from immuno.detect.signatures import SEVERITY_SCORE, SignatureSet
from immuno.detect.vaccines import VaccineBank
from immuno.store.base import Store

_EVIDENCE_CHARS = 120
_TAG_SMUGGLING_MIN = 8  # a flag emoji uses up to 6 tag characters
CLASSIFIER_REPORT = 0.5  # below the flag threshold the classifier adds no evidence


def _unread(problem: str) -> Finding:
    """Arguments that could not be read whole are refused, never passed unread."""
    return Finding(
        layer="detect",
        code="args.unread",
        severity=Severity.HIGH,
        score=1.0,
        message=f"{problem}; blocked unread to fail closed",
        action=Action.BLOCK,
        part="args",
    )


def severity_of(score: float) -> Severity:
    """Severity of a score; CRITICAL is left to signatures that say so explicitly."""
    for level in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        if score >= SEVERITY_SCORE[level] - 0.05:
            return level
    return Severity.INFO


_EXCISABLE = frozenset({SignalKind.TOOL_RESULT, SignalKind.MEMORY_READ})


class DetectLayer:
    name = "detect"
    judges = frozenset(SignalKind)  # any text: content and call arguments

    def __init__(
        self,
        signatures: SignatureSet,
        *,
        classifier: Classifier | None = None,
        store: Callable[[], Store] | None = None,
        clock: Callable[[], float] | None = None,
        vaccine_threshold: float = 0.6,
        anomaly_warmup: int | None = 20,
        quarantine: bool = True,
        flag_threshold: float = DEFAULT_FLAG_THRESHOLD,
        block_threshold: float = DEFAULT_BLOCK_THRESHOLD,
        excise: Sequence[str] = (),
        by_script: bool = False,
    ) -> None:
        self.signatures = signatures
        self.classifier = classifier
        self._store = store
        self._clock = clock
        self.vaccine_threshold = vaccine_threshold
        self.anomaly_warmup = anomaly_warmup
        self.quarantine_on = quarantine and store is not None
        # The pipeline's thresholds, so graded verdicts start where blocking would.
        self.flag_threshold = flag_threshold
        self.block_threshold = block_threshold
        # tools (globs) whose outputs may be delivered with the injection cut out
        self.excise = tuple(excise)
        # the classifier's per-script thresholds (detect.unsafe_script_thresholds)
        self.by_script = by_script

    # -- state in the store, opened on first use -------------------------------------

    @cached_property
    def vaccines(self) -> VaccineBank | None:
        return VaccineBank(self._store()) if self._store is not None else None

    @cached_property
    def anomaly(self) -> AnomalyModel | None:
        if self._store is None or self.anomaly_warmup is None:
            return None
        return AnomalyModel(self._store(), self.anomaly_warmup)

    @cached_property
    def quarantine(self) -> Quarantine:
        if self._store is None:
            raise ConfigError("detect", "quarantine needs a store")
        return Quarantine(self._store())

    # -- the layer -------------------------------------------------------------------

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        parts = signal.parts()
        findings: list[Finding] = []
        if parts.problem is not None:
            findings.append(_unread(parts.problem))
        if not parts.items:
            return findings
        channel = signal.channel
        hint: list[Finding] = []
        if self.anomaly is not None:
            at = signal.at or (self._clock() if self._clock else 0.0)
            text = signal.text()
            deviation, feature = self.anomaly.score(signal.agent, channel.value, text, at)
            if score := anomaly_score(deviation):
                message = f"{feature} is {deviation:.0f} robust deviations from this agent's norm"
                hint.append(self._finding(f"anomaly.{feature}", score, message))
        findings.extend(hint)
        for name, text in parts.items:
            found = self._scan(name, text, channel)
            if not found:
                continue
            # An unusual signal makes each part's evidence weigh more, part by part.
            found.extend(self._layered(name, [*found, *hint]))
            graded = grade(found, channel, flag=self.flag_threshold, block=self.block_threshold)
            if name == "content" and self._may_excise(signal) and any(map(self._stops, graded)):
                graded = self._excised(text, channel) or graded
            findings.extend(graded)
        return findings

    # -- excision ------------------------------------------------------------------------

    def _may_excise(self, signal: Signal) -> bool:
        # only an output of a named tool, on its way to a model, is excised: a bare
        # scanned text has no reader waiting for the rest of it
        if signal.kind not in _EXCISABLE or not signal.tool:
            return False
        return any(fnmatch.fnmatchcase(signal.tool, pattern) for pattern in self.excise)

    def _stops(self, finding: Finding) -> bool:
        if finding.action is not None:
            return finding.action.stops
        return finding.score >= self.block_threshold

    def _evidence(self, text: str, channel: Channel) -> float:
        """The strongest score detection finds in ``text`` alone (a finding that names
        a stopping action counts in full)."""
        found = self._scan("content", text, channel)
        return max(
            (1.0 if f.action is not None and f.action.stops else f.score for f in found),
            default=0.0,
        )

    def _codes(self, text: str, channel: Channel) -> str:
        found = self._scan("content", text, channel)
        return ", ".join(sorted({f.code for f in found if f.score >= self.flag_threshold}))

    def _excised(self, text: str, channel: Channel) -> list[Finding] | None:
        """Findings that cut the injected sentences out, or None when the evidence is
        not in sentences that can be cut (``excise.py``)."""
        cuts = injected_spans(
            text, lambda piece: self._evidence(piece, channel), self.flag_threshold
        )
        if cuts is None:
            return None
        return [
            Finding(
                layer=self.name,
                code="excised",
                severity=severity_of(score),
                score=round(min(score, 1.0), 4),
                message="an injected instruction was cut out, the rest delivered "
                f"({self._codes(text[span.start : span.end], channel)})",
                span=span,
                evidence=text[span.start : span.end][:_EVIDENCE_CHARS],
                action=Action.EXCISE,
                part="content",
            )
            for span, score in cuts
        ]

    def _scan(self, part: str, text: str, channel: Channel) -> list[Finding]:
        """The evidence in one part's text, every finding attributed to ``part``."""
        norm = normalize(text)
        findings: list[Finding] = []
        for index in self.signatures.match(norm.text, channel):
            sig = self.signatures.signatures[index]
            span = norm.span(*self.signatures.locate(index, norm.text))
            findings.append(
                Finding(
                    layer=self.name,
                    code=f"sig.{sig.id}",
                    severity=sig.level,
                    score=SEVERITY_SCORE[sig.level],
                    message=sig.description,
                    span=span,
                    evidence=text[span.start : span.end][:_EVIDENCE_CHARS],
                    part=part,
                )
            )
        for technique, count in norm.techniques.items():
            score = OBFUSCATION_SCORE.get(technique, 0.0)
            if technique == "tag_characters" and count < _TAG_SMUGGLING_MIN:
                score = 0.0
            if score > 0.0:
                code = f"obfuscation.{technique}"
                findings.append(self._finding(code, score, _HINTS[technique], part=part))
        if self.classifier is not None:
            score = self.classifier.score(norm.text, channel.value, by_script=self.by_script)
            if score >= CLASSIFIER_REPORT:
                message = f"the classifier reads this {channel.value} text as an injection"
                findings.append(self._finding(CLASSIFIER_CODE, score, message, part=part))
        if self.vaccines is not None and self.vaccines.ids:
            best = self.vaccines.match(norm.text)
            if best is not None and (score := vaccine_score(best[1], self.vaccine_threshold)):
                message = f"a near-variant of vaccinated attack {best[0]} ({best[1]:.0%} shared)"
                findings.append(
                    self._finding("vaccine.match", score, message, ref=best[0], part=part)
                )
        return findings

    def _layered(self, part: str, findings: list[Finding]) -> list[Finding]:
        if len(findings) < 2:
            return []
        total = combine(f.score for f in findings)
        if total <= max(f.score for f in findings) + 0.005:
            return []
        codes = ", ".join(f.code for f in findings)
        layered = self._finding(LAYERED_CODE, total, f"combined evidence: {codes}", part=part)
        # Combining raises the score, never the severity other layers weigh.
        worst = max((f.severity for f in findings), key=lambda level: level.rank)
        return [msgspec.structs.replace(layered, severity=worst)]

    def _finding(
        self,
        code: str,
        score: float,
        message: str,
        ref: str | None = None,
        part: str | None = None,
    ) -> Finding:
        return Finding(
            layer=self.name,
            code=code,
            severity=severity_of(score),
            score=round(min(score, 1.0), 4),
            message=message,
            ref=ref,
            part=part,
        )

    # -- the observer ------------------------------------------------------------------

    def observe(self, signal: Signal, verdict: Verdict) -> None:
        if self.anomaly is not None and verdict.action is Action.ALLOW:
            text = signal.text()
            if text:
                self.anomaly.learn(signal.agent, signal.channel.value, text, signal.at)
        if self.quarantine_on and should_hold(signal, verdict):
            self.quarantine.hold(signal, verdict)

    # -- immune memory -------------------------------------------------------------------

    def vaccinate(self, text: str) -> str:
        """Add an attack to immune memory; its near-variants are caught from now on."""
        if self.vaccines is None:
            raise ConfigError("detect", "vaccines need a store")
        at = self._clock() if self._clock else 0.0
        return self.vaccines.add(text, normalize(text).text, at)


_HINTS = {
    "tag_characters": "invisible Unicode tag characters hide text from a human reader",
    "decode_budget_exhausted": "nested or oversized encodings exceeded the decoding budget",
    "hidden_text": "text hidden in an HTML/Markdown comment or invisible styling",
    "base64": "base64-encoded text was decoded and read",
    "hex": "hex-encoded text was decoded and read",
    "rot13": "rot13-encoded text was decoded and read",
    "homoglyphs": "look-alike letters from other scripts disguise words",
    "invisible_characters": "zero-width or bidi control characters split words",
    "leetspeak": "leetspeak disguises words",
    "url": "URL-encoded text was decoded and read",
    "entities": "HTML entities were decoded and read",
}
