"""Hashes that let the threat store recognise one payload wherever it turns up.

``content_hash`` is the SHA-256 of the exact text (what was seen). ``fingerprint``
is a SHA-256 of the text with case, whitespace and invisible characters removed and
Unicode folded (NFKC), so the same payload relayed by another agent, re-wrapped or
re-cased, still matches. Both are hex strings.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import TYPE_CHECKING

import re2

if TYPE_CHECKING:
    from immuno.core.signal import Signal

_WHITESPACE = b" \t\n\r\x0b\x0c"
# Zero-width and bidi controls: invisible to a reader, so invisible to the fingerprint.
_INVISIBLE = dict.fromkeys([0x00AD, 0x2060, 0xFEFF, *range(0x200B, 0x2010), *range(0x202A, 0x202F)])
# Whether a text holds any of them: one pass of RE2 over its bytes, where ``translate``
# looks every character of a non-ASCII text up in a dict (~80 ns each).
_ANY_INVISIBLE = re2.compile("[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(_INVISIBLE)) + "]")
FINGERPRINT_HEX = 32  # 128 bits: collisions are not a practical concern
# A short argument ("Paris", an id) is no payload: honest calls repeat it all the time.
MIN_PART_CHARS = 40


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(text: str) -> str:
    """The normalised payload fingerprint (about 6 µs for 2 KB of ASCII)."""
    if not text.isascii():
        if _has_invisible(text):
            text = text.translate(_INVISIBLE)
        text = unicodedata.normalize("NFKC", text)
    folded = text.casefold().encode().translate(None, _WHITESPACE)
    return hashlib.sha256(folded).hexdigest()[:FINGERPRINT_HEX]


def _has_invisible(text: str) -> bool:
    try:
        return _ANY_INVISIBLE.search(text) is not None
    except UnicodeEncodeError:  # a lone surrogate: the long way, which fails as it always did
        return True


def part_fingerprints(signal: Signal) -> list[str]:
    """Fingerprints of each argument of a call, so a payload relayed inside one
    argument is recognised too (the whole signal has its own, ``fingerprint``)."""
    if not signal.args:
        return []
    parts = signal.parts().items
    return [fingerprint(t) for name, t in parts if name != "content" and len(t) >= MIN_PART_CHARS]
