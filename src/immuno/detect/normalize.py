"""Text normalisation: undo the tricks that hide an instruction from a matcher.

Steps, in order, each only where it applies:

1. characters: zero-width, bidi and other invisible controls removed; Unicode tag
   characters (U+E0020-E007E, "ASCII smuggling") turned back into the ASCII they hide;
   NFKC per character (full-width and styled letters to plain ones);
2. homoglyphs: Cyrillic and Greek look-alikes folded to Latin inside words that mix
   scripts (or are made only of look-alikes), so Russian or Greek prose is left alone;
3. hidden text: HTML comments and invisibly styled elements are unwrapped (their
   text is read like the rest) and remembered as hidden;
4. bounded decoding of base64, hex, URL-encoding, HTML entities and rot13
   (``decode.py``);
5. leetspeak folded inside words that mix letters with digits or ``@$``; in densely
   leet text also capitalised words ("I7", "S74735") and short numbers standing as
   words ("70", "15,"), but never a run that touches a number (dates, versions,
   amounts, IBANs).

ASCII text with nothing that looks encoded, hidden or leet skips every step. Positions
in the normalised text map back to the original through the chain of stages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import re2

from immuno.core.finding import Span
from immuno.detect.decode import MAX_ROUNDS, Budget, decode_runs, rot13_hinted, rot13_if_hidden
from immuno.detect.edits import Stage, apply
from immuno.detect.spans import Encoded

_INVISIBLE = [
    *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0),
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
    *range(0xFE00, 0xFE10),  # variation selectors
    *(0xE0001, 0xE007F),  # tag language / cancel tag
]
_TABLE: dict[int, str | None] = dict.fromkeys(_INVISIBLE)
_TABLE.update({cp: chr(cp - 0xE0000) for cp in range(0xE0020, 0xE007F)})
_TAGS = range(0xE0020, 0xE007F)

# Look-alikes of Latin letters (Unicode confusables, the common subset).
_CONFUSABLE = str.maketrans(
    "АВЕКМНОРСТХУЅІЈԛԜаеорсухіјѕԁԛԝһӏɡүοαρνіτκεηιχυωΑΒΕΖΗΙΚΜΝΟΡΤΥΧϲϳ",
    "ABEKMHOPCTXYSIJqWaeopcyxijsdqwhlgyoapvitkeniXuwABEZHIKMNOPTYXcj",
)
_CONFUSABLE_CHARS = "".join(chr(cp) for cp in _CONFUSABLE)
_MIXED_WORD = re.compile(rf"\w*[{_CONFUSABLE_CHARS}]\w*")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _any_of(codepoints: Iterable[int]) -> re2._Regexp:
    """An RE2 search for any one of ``codepoints``: a cheap gate (a DFA over the bytes,
    several times faster than ``re`` with a large character class)."""
    return re2.compile("[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(set(codepoints))) + "]")


_ANY_CONFUSABLE = _any_of(_CONFUSABLE)  # a gate before _MIXED_WORD
_FOLDED_AWAY = _any_of([*_INVISIBLE, *range(0xE0020, 0xE007F)])

_HIDDEN = re2.compile(
    r"(?ims)<!--(.*?)(?:-->|$)"
    r"|<(\w+)[^>]*style\s*=\s*[\"'][^\"']*(?:display\s*:\s*none|visibility\s*:\s*hidden"
    r"|font-size\s*:\s*0|opacity\s*:\s*0)[^\"']*[\"'][^>]*>(.*?)</\w+\s*>"
    r"|^\[//\]:\s*#\s*\((.*?)\)\s*$",
)
_LEET = str.maketrans("013456789@$!|", "oieasgtbgasil")
# Leet is written in Latin script, accented letters included ("vớ1 7ô1" is Vietnamese).
_LEET_WORD = re2.compile(
    r"[\p{Latin}0-9_@$!|]*(?:\p{Latin}[\p{Latin}0-9_@$!|]*[0-9@$]"
    r"|[0-9@$][\p{Latin}0-9_@$!|]*\p{Latin})[\p{Latin}0-9_@$!|]*"
)
_LINE = re2.compile(r"[^\n]{16,}")
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+\.\w")
# A short number standing as a word ("70" for "to", "15," for "is,"): not inside a
# date, time, amount, version or fraction, nor one group of a spaced number (IBAN).
_DIGITS = re.compile(r"(?<![\w.,:/-])(?<!\d{4} )\d{1,3}(?![\w:/-]|[.,]\d| \d{4})")
# A token glued to a number by ".,:/-" ("v1.2.3", "x86-64", "Q3/2024") is a number.
_NUMBER_AFTER = re.compile(r"[.,:/-]\d")
_NUMBER_BEFORE = re.compile(r"\d[.,:/-]$")
# An all-capitals token with a digit between two letters ("IMP0R74N7", "SKU4X") or
# one capital before digits only ("I7" for "It", "S74735"), but not "DE89" or "ABC1".
_CAPITAL_LEET = re.compile(r"[A-Z]\d+|.*[A-Z][\d@$]+[A-Z].*")
# An ASCII text needs the slow path only if one of these occurs in it (RE2: one
# linear pass). Leetspeak shows as a digit or $ between two letters, or as a digit
# beside an accented Latin letter: in "7ô1 vớ1" no digit sits between two letters.
_LEET_PATTERN = (
    r"\p{Latin}[013457$]\p{Latin}"
    r"|[\x{C0}-\x{24F}\x{1E00}-\x{1EFF}][013457]|[013457][\x{C0}-\x{24F}\x{1E00}-\x{1EFF}]"
)
_ASCII_TRIGGER = re2.compile(
    r"<!--|<\w+[^>]*style|\[//\]:|&#?\w+;|%[0-9A-Fa-f]{2}|[A-Za-z0-9+/]{20,}|"
    rf"{_LEET_PATTERN}|\b(?:gur|lbh|naq|vtaber|cerivbhf)\b",
)
_LEET_HINT = re2.compile(_LEET_PATTERN)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFKC", char.translate(_TABLE))


def _fold_leet(token: str, email: bool) -> str:
    """Leetspeak to letters; in an e-mail address the ``@`` stays."""
    if email:
        local, at, domain = token.partition("@")
        return f"{local.translate(_LEET)}{at}{domain.translate(_LEET)}"
    return token.translate(_LEET)


class Normalized:
    """A text, its normalised form, what was undone, and a map from one to the other."""

    __slots__ = ("_utf8", "changed", "hidden", "original", "stages", "techniques", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = original
        self.stages: list[Stage] = []
        self.techniques: dict[str, int] = {}
        self.hidden: list[Span] = []
        self._utf8: Encoded | None = None
        if not original.isascii():
            self._characters()
            self._homoglyphs()
        if not self.stages and not self._encoded().has(_ASCII_TRIGGER):
            self.changed = False
            return
        self._hidden_text()
        self._decode()
        self._leetspeak()
        self.changed = self.text != original

    def _encoded(self) -> Encoded:
        """The text's UTF-8 form, shared by the steps' searches until one changes it."""
        if self._utf8 is None or self._utf8.text is not self.text:
            self._utf8 = Encoded(self.text)
        return self._utf8

    def _push(self, replacements: list[tuple[int, int, str]], technique: str, n: int) -> None:
        if not replacements:
            return
        self.text, stage = apply(self.text, replacements)
        self.stages.append(stage)
        if n:
            self.techniques[technique] = self.techniques.get(technique, 0) + n

    def _characters(self) -> None:
        # Most non-ASCII text (accented prose, other scripts) is already NFKC and hides
        # nothing: two C-speed checks, then only non-ASCII characters are visited.
        text = self.text
        if not self._encoded().has(_FOLDED_AWAY) and unicodedata.is_normalized("NFKC", text):
            return
        out: list[tuple[int, int, str]] = []
        tags = invisible = 0
        for match in _NON_ASCII.finditer(text):
            index, char = match.start(), match.group()
            folded = _fold_char(char)
            if folded != char:
                out.append((index, index + 1, folded))
                tags += ord(char) in _TAGS
                invisible += folded == ""
        if tags:
            self.techniques["tag_characters"] = tags
        if invisible:
            self.techniques["invisible_characters"] = invisible
        self._push(out, "unicode_forms", 0)

    def _homoglyphs(self) -> None:
        if not self._encoded().has(_ANY_CONFUSABLE):
            return
        out: list[tuple[int, int, str]] = []
        for match in _MIXED_WORD.finditer(self.text):
            word = match.group()
            folded = word.translate(_CONFUSABLE)
            if folded.isascii() or any(c.isascii() and c.isalpha() for c in word):
                out.append((match.start(), match.end(), folded))
        self._push(out, "homoglyphs", len(out))

    def _hidden_text(self) -> None:
        if "<" not in self.text and "[//]:" not in self.text:
            return  # every hiding place _HIDDEN knows opens with one of these
        out: list[tuple[int, int, str]] = []
        for match in _HIDDEN.finditer(self.text):
            inner = match.group(1) or match.group(3) or match.group(4) or ""
            if inner.strip():
                out.append((match.start(), match.end(), f" {inner} "))
        if out:
            self._push(out, "hidden_text", len(out))
            self.hidden = [self.span(start, start + len(new)) for start, _, new in self._last()]

    def _last(self) -> list[tuple[int, int, str]]:
        edits = self.stages[-1].edits
        return [(o_start, o_end, self.text[o_start:o_end]) for _, _, o_start, o_end in edits]

    def _decode(self) -> None:
        budget = Budget()
        for _ in range(MAX_ROUNDS):
            replacements, kinds = decode_runs(self._encoded(), budget)
            if not replacements:
                break
            for kind in kinds:
                self.techniques[kind] = self.techniques.get(kind, 0) + 1
            self._push(replacements, "decoded", 0)
        rot: list[tuple[int, int, str]] = []
        # A line can hide rot13 only if the text holds one of its hint words.
        if rot13_hinted(self._encoded()):
            for start, end in self._encoded().spans(_LINE):
                decoded = rot13_if_hidden(self.text[start:end])
                if decoded is not None:
                    rot.append((start, end, decoded))
        self._push(rot, "rot13", len(rot))
        if budget.exhausted:
            self.techniques["decode_budget_exhausted"] = 1

    def _leetspeak(self) -> None:
        if not self._encoded().has(_LEET_HINT):
            return
        text = self.text
        tokens: list[tuple[int, int, str]] = []
        for start, stop in self._encoded().spans(_LEET_WORD):
            word = text[start:stop].rstrip("!")  # "!" closing a word is punctuation, not an "i"
            end = start + len(word)
            if (
                word.translate(_LEET).replace("_", "").isalpha()
                and _NUMBER_AFTER.match(text, end) is None
                and _NUMBER_BEFORE.search(text, max(0, start - 2), start) is None
            ):
                tokens.append((start, end, word))
        # All-capital tokens ("Q3", "A4", "MP3") are codes unless the text is heavily leet.
        out = [
            (start, end, word.translate(_LEET))
            for start, end, word in tokens
            if not word.isupper() and not _EMAIL_LIKE.match(text, start)
        ]
        if len(out) >= 3 and len(out) * 5 >= len(text.split()):
            # Heavy leetspeak: e-mail addresses, capitalised words and short numbers too.
            out = [
                (start, end, _fold_leet(word, text.startswith(".", end)))
                for start, end, word in tokens
                if not word.isupper() or _CAPITAL_LEET.fullmatch(word)
            ]
            out += [
                (m.start(), m.end(), m.group().translate(_LEET)) for m in _DIGITS.finditer(text)
            ]
            out.sort()
            out = [edit for i, edit in enumerate(out) if i == 0 or edit[0] >= out[i - 1][1]]
        if out:
            self._push(out, "leetspeak", len(out))

    def span(self, start: int, end: int) -> Span:
        """The original-text span of normalised ``[start, end)``."""
        for stage in reversed(self.stages):
            start, end = stage.back(start), stage.back_end(end)
        limit = len(self.original)
        start = min(max(start, 0), limit)
        return Span(start, min(max(end, start), limit))


def normalize(text: str) -> Normalized:
    return Normalized(text)
