"""Bounded decoding of text hidden in base64, hex, URL-encoding, HTML entities, rot13.

Every decoder replaces the encoded run with what it decodes to, so a signature that
matches the decoded text points at the encoded run in the original. Decoding repeats
(base64 inside URL-encoding ...) at most ``MAX_ROUNDS`` times and never produces more
than ``MAX_DECODED`` characters in total nor decodes more than ``MAX_CANDIDATES`` runs
(or tries more than ``MAX_ATTEMPTS``) of one kind per round, nor more than
``MAX_MARKUP_RUNS`` runs of HTML entities or URL escapes: a decoding bomb costs a fixed
budget and is reported, never followed.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
from urllib.parse import unquote

import re2

from immuno.detect.spans import Encoded

MAX_ROUNDS = 3
MAX_DECODED = 65_536
# Runs of one kind decoded per round, and runs tried (most are not encoded at all: a
# page's long class names and paths look like base64 and decode to nothing). A run
# that decodes to nothing costs a microsecond or two, so the attempts may be many;
# past either limit the rest is not read, and the text is reported, never passed.
MAX_CANDIDATES = 64
MAX_ATTEMPTS = 512
# HTML entities and percent-escapes are how markup and links are spelled (a page has
# hundreds: &nbsp; &#8217; %20), and each run decodes to no more text than it holds,
# so they have a limit of their own: a page's worth is read, a text made of thousands
# is reported like any other bomb.
MAX_MARKUP_RUNS = 4096
MIN_PRINTABLE = 0.9

# RE2 (linear time, no look-around): run boundaries are checked in ``_bounded``.
_BASE64 = re2.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re2.compile(r"(?:(?:\\x|0x)?[0-9A-Fa-f]{2}[ :]?){8,}")
_URL = re2.compile(r"(?:%[0-9A-Fa-f]{2}[^\s%]{0,3}){3,}")
_ENTITY = re2.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HINT_WORDS = r"\b(?:gur|naq|lbh|gb|vf|sbe|vtaber|cyrnfr)\b"
_ROT13_HINT = re2.compile(_HINT_WORDS)
# The same words in any case. Lower-casing turns no character but a Latin capital into
# their letters (only "İ" and the Kelvin sign become ASCII, as "i" and "k") and no
# word character into a non-word one, so a text without these has no hint either.
_ROT13_HINT_ANY_CASE = re2.compile("(?i)" + _HINT_WORDS)
_COMMON = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "to",
        "of",
        "is",
        "are",
        "this",
        "that",
        "all",
        "ignore",
        "instructions",
        "previous",
        "send",
        "with",
        "for",
        "now",
        "from",
        "please",
        "it",
        "be",
        "not",
    ]
)
_WORD = re.compile(r"[A-Za-z]+")


def _printable(text: str) -> bool:
    if not text:
        return False
    good = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    return good / len(text) >= MIN_PRINTABLE and any(c.isalpha() for c in text)


def _as_text(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _printable(text) else None


# What remains of a run once its lower-case letters, "_" and "-" are dropped: a digit,
# a capital or one of "+/=" (the run holds nothing else).
_NOT_WORDLIKE = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz_-")


def _base64(run: str) -> str | None:
    if not run.translate(_NOT_WORDLIKE):
        return None  # a plain lower-case word is not worth decoding
    stripped = run.rstrip("=")
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        if "-" in run or "_" in run:
            return _as_text(base64.urlsafe_b64decode(padded))
        return _as_text(base64.b64decode(padded, validate=True))
    except (binascii.Error, ValueError):
        return None


def _hex(run: str) -> str | None:
    digits = re.sub(r"\\x|0x|[ :]", "", run.strip())
    if len(digits) % 2:
        return None
    try:
        return _as_text(bytes.fromhex(digits))
    except ValueError:
        return None


def rot13_hinted(text: str | Encoded) -> bool:
    """Whether ``text`` holds a word rot13 turns into a common English one. Every piece
    of a text ``rot13_if_hidden`` decodes holds one, so without any the pieces are
    not worth visiting."""
    encoded = text if isinstance(text, Encoded) else Encoded(text)
    if not encoded.has(_ROT13_HINT_ANY_CASE):
        return False  # nothing to lower-case for
    return _ROT13_HINT.search(encoded.text.lower()) is not None


def rot13_if_hidden(text: str) -> str | None:
    """The rot13 reading of ``text`` when it reads far more like English than the text."""
    if not rot13_hinted(text):
        return None
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4:
        return None
    plain = sum(w in _COMMON for w in words)
    rotated = codecs.encode(text, "rot13")
    turned = sum(w.lower() in _COMMON for w in _WORD.findall(rotated))
    return rotated if turned >= 3 and turned > 3 * plain else None


def _bounded(text: str, start: int, end: int) -> bool:
    """The run is not a piece of a longer word or token."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "+/=_-") and not (after.isalnum() or after in "+/_-")


class Budget:
    """What a decoding pass may still spend; ``exhausted`` once it ran out."""

    __slots__ = ("exhausted", "left")

    def __init__(self) -> None:
        self.left = MAX_DECODED
        self.exhausted = False

    def take(self, size: int) -> bool:
        if size > self.left:
            self.exhausted = True
            return False
        self.left -= size
        return True


def decode_runs(encoded: Encoded, budget: Budget) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Replacements for every encoded run in a text (one round) and the kinds found."""
    text = encoded.text
    found: list[tuple[int, int, str, str]] = []
    # Each kind with a character all its runs hold: a text without it has none of
    # them, and ``in`` finds that far faster than the pattern would.
    for kind, pattern, needs, decoder in (
        ("base64", _BASE64, "", _base64),
        ("hex", _HEX, "", _hex),
        ("url", _URL, "%", lambda run: unquote(run) if _printable(unquote(run)) else None),
        ("entities", _ENTITY, "&", lambda run: html.unescape(run)),
    ):
        if needs not in text:
            continue
        tried = decoded_runs = 0
        markup = kind in ("entities", "url")
        most_tried = MAX_MARKUP_RUNS if markup else MAX_ATTEMPTS
        most_decoded = MAX_MARKUP_RUNS if markup else MAX_CANDIDATES
        for start, end in encoded.spans(pattern):
            if kind in ("base64", "hex") and not _bounded(text, start, end):
                continue
            if tried >= most_tried or decoded_runs >= most_decoded:
                budget.exhausted = True
                break
            tried += 1
            run = text[start:end]
            decoded = decoder(run)
            if decoded is None or decoded == run or not budget.take(len(decoded)):
                continue
            decoded_runs += 1
            found.append((start, end, decoded, kind))
    found.sort()
    kept: list[tuple[int, int, str]] = []
    kinds: list[str] = []
    for start, end, decoded, kind in found:
        if kept and start < kept[-1][1]:
            continue  # overlapping candidates: the earlier one wins
        kept.append((start, end, f" {decoded} " if kind in ("base64", "hex") else decoded))
        kinds.append(kind)
    return kept, kinds
