"""Graded verdicts for tool output the classifier alone stands against.

The classifier's calibrated score equals the default block threshold (0.8) exactly at
the operating threshold chosen for the channel on the development split; above it the
score rises with the margin. A learned model is sure of what it was trained on and
less so of text it never saw, and tool output is where unseen text comes from. So
when the classifier is the only evidence in a part of a tool result or memory read:

    score <  block threshold                 -> flag (delivered, recorded)
    block threshold <= score < CLASSIFIER_BLOCK -> quarantine (held for an operator)
    score >= CLASSIFIER_BLOCK                -> block

Quarantine stops delivery just like block, but the content waits for an operator
(``immuno quarantine release``), whose judgement feeds the autoimmunity rate.
Signatures, vaccines and obfuscation or anomaly evidence strong enough to flag on its
own keep the plain thresholds: the classifier is then not the sole evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from immuno.core.action import Action
from immuno.core.finding import Finding
from immuno.core.signal import Channel

# At 0.95 the calibrated odds are 19:1, against 4:1 at the operating threshold: the
# model must be far past the point it was tuned at before it refuses on its own;
# nearer that point, where its mistakes on unseen text live, an operator decides.
CLASSIFIER_BLOCK = 0.95
CLASSIFIER_CODE = "classifier.injection"
LAYERED_CODE = "layered"
_CORROBORATING = ("sig.", "vaccine.")  # any hit of these is evidence of its own


def grade(
    findings: Sequence[Finding], channel: Channel, *, flag: float, block: float
) -> list[Finding]:
    """One part's findings, with the classifier's graded to quarantine where it applies."""
    if channel is not Channel.TOOL or not any(f.code == CLASSIFIER_CODE for f in findings):
        return list(findings)
    for finding in findings:
        if finding.code in (CLASSIFIER_CODE, LAYERED_CODE):
            continue
        if finding.code.startswith(_CORROBORATING) or finding.score >= flag:
            return list(findings)
    top = max(f.score for f in findings)
    if not block <= top < CLASSIFIER_BLOCK:
        return list(findings)
    return [
        msgspec.structs.replace(f, action=Action.QUARANTINE)
        if f.code in (CLASSIFIER_CODE, LAYERED_CODE)
        else f
        for f in findings
    ]
