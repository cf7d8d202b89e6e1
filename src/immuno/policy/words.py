"""Words: what a normalised text is made of, as the data-flow index finds values.

A word ends at whitespace and at quotes and brackets; besides the words themselves,
the forms a value takes when printed are words too (``2,450`` also as ``2450``,
groups printed apart joined, and the canonical keys of the values in the text:
``canonical.py``). A phrase is found as whole words (:func:`has_words`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from immuno.policy.canonical import index_keys

# a word ends at whitespace and at these (quotes, brackets ...): they become spaces, one
# byte for one in the text's UTF-8 (``str.translate`` is slow on text that is not ASCII;
# no byte of a multi-byte character is ASCII); a NUL (a sentence left out) then stands
# apart as a word of its own that ends a run of groups
_SEPARATORS = bytes.maketrans(b"\"'`<>()[]{};|", b" " * 13)
_EDGE = ".,:;!?*\x00"  # a NUL stands for a sentence left out: it ends a run of groups
_DIGIT = re.compile(r"[0-9]")
_DASHED = re.compile(r"(?=.*[0-9])[^\W_]{1,6}(?:-[^\W_]{1,6})+")  # groups, one with a digit
GROUP = 6  # "DE89 3704 0044 ...": short alphanumeric groups printed apart ...
_GROUPS = 12  # ... are also indexed joined, up to this many in a row


def tokens(text: str, canonical: bool = True) -> set[str]:
    """The words of a normalised text, plus the forms a value may take when quoted:
    ``2,450`` also as ``2450``, and groups printed apart (``DE89 3704 0044``,
    ``5512-3456-7890``) joined; and (``canonical``) the keys of the values in it."""
    spaced = (
        text.encode("utf-8", "surrogatepass")
        .translate(_SEPARATORS)
        .decode("utf-8", "surrogatepass")
    )
    if "\x00" in spaced:
        spaced = spaced.replace("\x00", " \x00 ")
    raws = spaced.split()
    words = [raw.strip(_EDGE) for raw in raws]
    found = set(words)
    found.discard("")
    for token in [t for t in found if "," in t or "-" in t]:
        if "," in token and _DIGIT.search(token):
            found.add(token.replace(",", ""))  # 2,450 -> 2450
        if "-" in token and _DASHED.fullmatch(token):
            found.add(token.replace("-", ""))  # 5512-3456-7890 -> 551234567890
    if _DIGIT.search(text) is not None:
        _join_groups(raws, words, found)
    if canonical:
        found |= index_keys(text)  # a key holds no space: it is one word, never a phrase
    return found


def _join_groups(raws: list[str], words: list[str], found: set[str]) -> None:
    """Runs of short groups, each joined from every group on, starting at the first
    group with a digit ("iban de89 3704 0044" gives "de8937040044", "37040044", ...;
    not "ibande89..."). Punctuation after a group (or a NUL) ends its run."""
    # a group is a short run of letters and digits; a run starts at one that is not all
    # letters. Both are tested once per distinct word, then looked up per word.
    short = {w for w in found if len(w) <= GROUP and w.isalnum()}
    firsts = {w for w in short if not w.isalpha()}
    if not firsts:
        return
    last = len(words) - 1
    end = -1
    for first in [i for i, w in enumerate(words) if w in firsts]:
        if first <= end:
            continue
        end = first
        while end < last and raws[end] == words[end] and words[end + 1] in short:
            end += 1
        run = words[first : end + 1]
        for start in range(len(run) - 1):
            joined = run[start]
            for group in run[start + 1 : start + _GROUPS]:
                joined += group
                found.add(joined)


def has_words(text: str, phrase: str) -> bool:
    """``phrase`` occurs in ``text`` not glued to a letter or digit on either side."""
    return next(word_hits(text, phrase), -1) >= 0


def word_hits(text: str, phrase: str) -> Iterator[int]:
    start = text.find(phrase) if phrase else -1
    while start >= 0:
        end = start + len(phrase)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            yield start
            start = text.find(phrase, end)
        else:
            start = text.find(phrase, start + 1)
