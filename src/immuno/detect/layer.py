"""The detect layer: normalise, then weigh signatures, the classifier, vaccines,
anomalies and obfuscation into one score (``scoring.py``).

It is also an observer: after the verdict it teaches the anomaly baselines (allowed
signals only) and keeps flagged or stopped content in quarantine. ``vaccinate`` adds
an attack to immune memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

import msgspec

from immuno.core.action import Action
from immuno.core.errors import ConfigError
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.detect.anomaly import AnomalyModel
from immuno.detect.classifier import Classifier
from immuno.detect.normalize import normalize
from immuno.detect.quarantine import Quarantine, should_hold
from immuno.detect.scoring import OBFUSCATION_SCORE, anomaly_score, combine, vaccine_score
from immuno.detect.signatures import SEVERITY_SCORE, SignatureSet
from immuno.detect.vaccines import VaccineBank
from immuno.store.base import Store

_EVIDENCE_CHARS = 120
_TAG_SMUGGLING_MIN = 8  # a flag emoji uses up to 6 tag characters
CLASSIFIER_REPORT = 0.5  # below the flag threshold the classifier adds no evidence


def severity_of(score: float) -> Severity:
    """Severity of a score; CRITICAL is left to signatures that say so explicitly."""
    for level in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        if score >= SEVERITY_SCORE[level] - 0.05:
            return level
    return Severity.INFO


class DetectLayer:
    name = "detect"

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
    ) -> None:
        self.signatures = signatures
        self.classifier = classifier
        self._store = store
        self._clock = clock
        self.vaccine_threshold = vaccine_threshold
        self.anomaly_warmup = anomaly_warmup
        self.quarantine_on = quarantine and store is not None

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
        text = signal.text()
        if not text:
            return []
        norm = normalize(text)
        channel = signal.channel
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
                )
            )
        for technique, count in norm.techniques.items():
            score = OBFUSCATION_SCORE.get(technique, 0.0)
            if technique == "tag_characters" and count < _TAG_SMUGGLING_MIN:
                score = 0.0
            if score > 0.0:
                findings.append(self._finding(f"obfuscation.{technique}", score, _HINTS[technique]))
        if self.classifier is not None:
            score = self.classifier.score(norm.text, channel.value)
            if score >= CLASSIFIER_REPORT:
                message = f"the classifier reads this {channel.value} text as an injection"
                findings.append(self._finding("classifier.injection", score, message))
        if self.vaccines is not None and self.vaccines.ids:
            best = self.vaccines.match(norm.text)
            if best is not None and (score := vaccine_score(best[1], self.vaccine_threshold)):
                message = f"a near-variant of vaccinated attack {best[0]} ({best[1]:.0%} shared)"
                findings.append(self._finding("vaccine.match", score, message, ref=best[0]))
        if self.anomaly is not None:
            at = signal.at or (self._clock() if self._clock else 0.0)
            deviation, feature = self.anomaly.score(signal.agent, channel.value, text, at)
            if score := anomaly_score(deviation):
                message = f"{feature} is {deviation:.0f} robust deviations from this agent's norm"
                findings.append(self._finding(f"anomaly.{feature}", score, message))
        if len(findings) >= 2:
            total = combine(f.score for f in findings)
            if total > max(f.score for f in findings) + 0.005:
                codes = ", ".join(f.code for f in findings)
                layered = self._finding("layered", total, f"combined evidence: {codes}")
                # Combining raises the score, never the severity other layers weigh.
                worst = max((f.severity for f in findings), key=lambda level: level.rank)
                findings.append(msgspec.structs.replace(layered, severity=worst))
        return findings

    def _finding(self, code: str, score: float, message: str, ref: str | None = None) -> Finding:
        return Finding(
            layer=self.name,
            code=code,
            severity=severity_of(score),
            score=round(min(score, 1.0), 4),
            message=message,
            ref=ref,
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
