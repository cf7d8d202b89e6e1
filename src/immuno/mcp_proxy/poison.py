"""Cues of tool poisoning that detection's packs, made for content an agent reads, do
not weigh: a tool definition that tells the model to keep something from the user,
or to fetch a secret and pass it along.

A tool description documents a function; it has no business telling the model what
to keep from the user, or which credentials to read and pass along. Alone, a secret's
location (an SSH tool names ``~/.ssh``) or a pseudo-markup block is weak, so a
definition is poisoned when it tells the model to conceal something, or when it names
a secret's location, an instruction to move it and a pseudo-markup block
(``<IMPORTANT>``) together. The finding (``mcp.tool.poisoned``) is evidence the
pipeline folds with its own layers' findings.
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
    if CONCEALMENT.search(text) is not None:
        cues.append("tells the model to keep something from the user")
    if SECRET.search(text) and MOVE.search(text) and PSEUDO_TAG.search(text):
        cues.append("asks, in a pseudo-markup block, for a secret to be read or passed on")
    if not cues:
        return None
    return Finding(
        layer="mcp",
        code="mcp.tool.poisoned",
        severity=Severity.HIGH,
        score=1.0,
        action=Action.BLOCK,
        message=f"the tool's definition {' and '.join(cues)}",
    )
