"""The detect layer: normalise, scan with the signature set, report findings."""

from __future__ import annotations

from collections.abc import Sequence

from immuno.core.finding import Finding, Severity
from immuno.core.signal import Signal
from immuno.detect.normalize import TAG_CHARACTERS, normalize
from immuno.detect.signatures import SEVERITY_SCORE, SignatureSet

_EVIDENCE_CHARS = 120
_TAG_SMUGGLING_MIN = 8  # a flag emoji uses up to 6 tag characters


class DetectLayer:
    name = "detect"

    def __init__(self, signatures: SignatureSet) -> None:
        self.signatures = signatures

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        text = signal.text()
        if not text:
            return []
        norm = normalize(text)
        findings: list[Finding] = []
        for index in self.signatures.match(norm.text, signal.channel):
            sig = self.signatures.signatures[index]
            start, end = self.signatures.locate(index, norm.text)
            span = norm.span(start, end)
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
        if norm.changed and _count_tags(text) >= _TAG_SMUGGLING_MIN:
            findings.append(
                Finding(
                    layer=self.name,
                    code="obfuscation.tag_characters",
                    severity=Severity.MEDIUM,
                    score=SEVERITY_SCORE[Severity.MEDIUM],
                    message="invisible Unicode tag characters hide text from a human reader",
                )
            )
        return findings


def _count_tags(text: str) -> int:
    return sum(len(run) for run in TAG_CHARACTERS.findall(text))
