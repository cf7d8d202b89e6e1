"""Cues of tool poisoning that detection's packs, made for content an agent reads, do
not weigh: a tool definition that tells the model to keep something from the user,
or to fetch a secret and pass it along.

A tool description documents a function; it has no business telling the model what
to keep from the user, or which credentials to read and pass along. The structural
cues decide: a pseudo-markup block addressed to the model (``<IMPORTANT>``) together
with a secret's location (``~/.ssh``, ``id_rsa``) and a verb that moves it, or with
words telling the model to conceal something. Alone, each is weak: an SSH tool names
``~/.ssh``, and an English phrase of concealment is one signal that a German
description would not carry, so on its own it flags (score 0.6) and never withholds.
The finding (``mcp.tool.poisoned``) is evidence the pipeline folds with its own
layers' findings.
"""

from __future__ import annotations

import re2

from immuno.core.action import Action
from immuno.core.finding import Finding, Severity

_FLAGS = "(?is)"
CONCEALMENT = re2.compile(
    _FLAGS + r"\b(?:do\s+not|don'?t|never|without)\s+(?:tell|telling|mention|mentioning|"
    r"inform|informing|reveal|revealing|notify|notifying|alert|alerting)\b"
)
SECRET = re2.compile(
    _FLAGS + r"(?:~/\.ssh\b|\bid_(?:rsa|ed25519|ecdsa)\b|/\.env\b|\bmcp\.json\b|"
    r"\.aws/credentials\b|\bprivate\s+keys?\b)"
)
MOVE = re2.compile(_FLAGS + r"\b(?:read|pass|send|include|attach|upload|forward|copy|append)\b")
PSEUDO_TAG = re2.compile(_FLAGS + r"<\s*/?\s*(?:important|system|instructions?|secret)\s*>")


def poisoning(text: str) -> Finding | None:
    """The proxy's finding about a tool definition's text, or None when it has none."""
    cues = []
    conceals = CONCEALMENT.search(text) is not None
    if conceals:
        cues.append("tells the model to keep something from the user")
    tagged = PSEUDO_TAG.search(text) is not None
    if tagged and SECRET.search(text) and MOVE.search(text):
        cues.append("asks, in a pseudo-markup block, for a secret to be read or passed on")
    elif tagged and conceals:
        cues.append("says so in a pseudo-markup block addressed to the model")
    if not cues:
        return None
    decided = tagged and (len(cues) > 1 or not conceals)  # a structural cue takes part
    return Finding(
        layer="mcp",
        code="mcp.tool.poisoned",
        severity=Severity.HIGH if decided else Severity.LOW,
        score=1.0 if decided else 0.6,
        action=Action.BLOCK if decided else None,
        message=f"the tool's definition {' and '.join(cues)}",
    )
