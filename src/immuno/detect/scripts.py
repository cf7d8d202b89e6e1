"""The writing system a text's letters are in, for script-aware operating thresholds.

The classifier's byte n-grams carry the script a text is written in. Where the
training data held a script mostly in attacks, any text in it leans "attack", so the
model file may hold, per channel, a threshold for each group of scripts, chosen on
development texts of that group by the same rule as the channel's (and never below
it). A text belongs to the group most of its non-ASCII letters are in, once they are
at least ``MIN_SHARE`` of all its letters; otherwise it is read as ASCII text.
"""

from __future__ import annotations

import re2

# Groups of scripts, each one RE2 class (RE2 knows the Unicode script properties).
GROUPS: dict[str, str] = {
    # Latin letters outside ASCII (accented and extended), not the signs × and ÷
    "latin": r"[\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{24F}\x{1E00}-\x{1EFF}]",
    "cyrillic": r"\p{Cyrillic}",
    "greek": r"\p{Greek}",
    "cjk": r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]",
    "arabic": r"[\p{Arabic}\p{Hebrew}]",
    "indic": r"[\p{Devanagari}\p{Bengali}\p{Gurmukhi}\p{Gujarati}\p{Tamil}\p{Telugu}"
    r"\p{Kannada}\p{Malayalam}\p{Sinhala}]",
}
MIN_SHARE = 0.05
_LETTER = re2.compile(r"\pL")
_ASCII_LETTER = re2.compile(r"[A-Za-z]")
_GROUPS = {name: re2.compile(pattern) for name, pattern in GROUPS.items()}


def script_group(text: str) -> str | None:
    """The group of scripts ``text`` is written in, None for ASCII text (or text whose
    other letters are a few names and quotations in it); "other" for a script no
    group names."""
    if text.isascii():
        return None
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    counts = {name: len(pattern.findall(text)) for name, pattern in _GROUPS.items()}
    foreign = sum(counts.values())
    if foreign < MIN_SHARE * letters:
        # letters from no named group (Thai, Georgian, Ethiopic ...) count as "other"
        other = letters - foreign - len(_ASCII_LETTER.findall(text))
        return "other" if other >= MIN_SHARE * letters else None
    return max(counts, key=counts.__getitem__)
