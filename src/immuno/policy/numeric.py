"""Numbers in text: phones, account numbers, amounts and dates, each with its key.

The number half of :mod:`immuno.policy.canonical` (which finds URLs and addresses and
documents every form and every refusal). The text is scanned padded with two spaces at
each end, so two characters of context are always there. A number's values depend
only on it and those four characters (``_classify``, cached), except where a word
before it matters (an IBAN's country code, a month's name: looked at on the spot).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

import phonenumbers

MIN_ACCOUNT_DIGITS = 8

Hit = tuple[int, int, str, str]  # start, end, kind, key

# A number: "+" and a phone, or a digit run with single separators between digits.
# It starts with a character set, so the scan skips to candidates in C; the look-backs
# then drop numbers glued to a word (``a320``, ``evt-881``, ``v1.2``, the ``30`` of
# ``12:30``, ``x+1``) before Python sees them, all but two letters starting a word
# (an IBAN's country code: looked at in Python).
_NUMBER = re.compile(
    r"[+0-9]"
    r"(?<![a-z0-9_]\+)(?<![a-z0-9_]\+[0-9])"
    r"(?:(?<![a-z0-9_][+0-9])|(?<=(?<![a-z0-9_])[a-z]{2}[0-9]))"
    r"(?<![a-z0-9_][-./,@][+0-9])(?<![0-9]:[+0-9])"
    r"(?:(?<=\+)[0-9][0-9 ().-]{4,22}[0-9]|(?<=[0-9])[0-9]*(?:[-/., :][0-9]+)*)"
)
_IBAN = re.compile(r"[a-z]{2}[0-9]{2}(?:[a-z0-9]{1,30}|(?:[ -][a-z0-9]{1,4}){2,8})")
_MONTHS = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY_MONTH_YEAR = re.compile(
    r"([0-9]{1,2})(?:st|nd|rd|th)?\.? (?:of )?" + _MONTHS + r"\.?,? ([0-9]{4})(?![0-9a-z])"
)
_DAY_YEAR = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?,? ([0-9]{4})(?![0-9a-z])")
_MONTH_WORDS = {
    word: number
    for number, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        1,
    )
    for word in names.split()
}
# the last three characters of a month's name (and with a dot), and the first letters
_MONTH_TAILS = frozenset(w[-3:] for w in _MONTH_WORDS) | {w[-2:] + "." for w in _MONTH_WORDS}
_MONTH_HEADS = frozenset("jfmasondo")  # "o": "13th of may"
_GLUE = frozenset("-./,@")  # between a word and a number, these glue them together
_IBAN_DIGITS = str.maketrans({chr(c): str(c - 87) for c in range(ord("a"), ord("z") + 1)})


def numbers(low: str, found: list[Hit], keys: set[str] | None = None) -> None:
    """The numbers in ``low``: as hits in ``found``, or (``keys`` given: the index
    wants no positions) as keys only, which saves a tuple per value."""
    padded = f"  {low}  "
    skip = 0  # inside an IBAN or a written date already taken
    get = _CONTEXTS.get
    for match in _NUMBER.finditer(padded):
        start, end = match.span()
        if start < skip:
            continue
        if padded[start - 1].isalpha() and padded[start] != "+":
            iban = _iban_at(padded, start - 2)
            if iban is not None:  # else digits glued to a word: an identifier
                found.append((iban[0] - 2, iban[1] - 2, "account", iban[2]))
                skip = iban[1]
            continue
        if end - start <= 2 or padded[start + 2] == " ":
            dated = _word_date(padded, start, start + 1 if padded[start + 1] == " " else end)
            if dated is not None:
                found.append((dated[0] - 2, dated[1] - 2, "date", dated[2]))
                skip = dated[1]
                continue
        context = padded[start - 2 : end + 2]
        entry = get(context)
        if entry is None:
            if len(_CONTEXTS) >= _MAX_CONTEXTS:
                _CONTEXTS.clear()
            hits = _classify(context)
            entry = _CONTEXTS[context] = (hits, tuple(hit[3] for hit in hits))
        if keys is not None:
            keys.update(entry[1])
            continue
        offset = start - 4  # from the context's start in ``padded`` to ``low``
        for rel_start, rel_end, kind, key in entry[0]:
            found.append((offset + rel_start, offset + rel_end, kind, key))


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _glued_before(text: str, start: int) -> bool:
    """Is the number at ``start`` part of a word (``a320``, ``v1.2``, ``ref-12``, the
    ``30`` of ``12:30``)? A label before a colon (``total:12``) is not."""
    before = text[start - 1]
    if _word_char(before):
        return True
    if before == ":":
        return text[start - 2].isdigit()
    return before in _GLUE and _word_char(text[start - 2])


def _glued_after(text: str, end: int, is_date: bool = False) -> bool:
    after = text[end]
    if after == "%":
        return True  # a percentage is not an amount
    if _word_char(after):
        # an ISO date may run on into its time: 2024-05-13t10:00
        return not (is_date and after == "t" and text[end + 1].isdigit())
    return (after in _GLUE or after == ":") and _word_char(text[end + 1])


# a number in its context -> its values, and their keys alone
_CONTEXTS: dict[str, tuple[tuple[Hit, ...], tuple[str, ...]]] = {}
_MAX_CONTEXTS = 16_384  # then start again: a bound on memory, not an eviction policy


def _classify(context: str) -> tuple[Hit, ...]:
    """The values of the number in ``context`` (two characters each side of it), at
    offsets in ``context``."""
    end = len(context) - 2
    if context[2] == "+":
        return _phone_run(context)
    if _glued_before(context, 2):
        return ()
    found: list[Hit] = []
    _run_values(context, 2, end, found)
    return tuple(found)


def _run_values(context: str, start: int, end: int, found: list[Hit]) -> None:
    """A digit run: one value, or (spaces in it, not an account) each of its pieces."""
    run = context[start:end]
    if " " in run and not _all_groups(run, " "):
        for piece in run.split(" "):
            _run_values(context, start, start + len(piece), found)
            start += len(piece) + 1
        return
    kind_key = _run_key(run)
    if kind_key is None or _glued_after(context, end, kind_key[0] == "date"):
        return
    kind, key = kind_key
    if kind == "amount" and context[start - 1] == "-" and key != "amount:0":
        found.append((start - 1, end, kind, "amount:-" + key[len("amount:") :]))
    else:
        found.append((start, end, kind, key))


def _phone_run(context: str) -> tuple[Hit, ...]:
    """``+`` and digits: a phone number (a group too many, like a year after it, is
    read as a number of its own), or else numbers."""
    limit = len(context) - 2
    if _word_char(context[1]):
        return ()
    end = limit
    found: list[Hit] = []
    rest_from = 3  # the digits after the "+", when no phone is there
    for _ in range(4):
        while not context[end - 1].isdigit():
            end -= 1
        key = _phone_key(context[2:end])
        if key is not None and not _glued_after(context, end):
            found.append((2, end, "phone", key))
            rest_from = end
            break
        cut = max(context.rfind(" ", 2, end), context.rfind("-", 2, end))
        if cut <= 3:
            break
        end = cut
    for match in _NUMBER.finditer(context, rest_from, limit):
        if context[match.start()] == "+":
            continue
        offset = match.start() - 2
        for s, e, kind, key in _classify(context[match.start() - 2 : match.end() + 2]):
            found.append((offset + s, offset + e, kind, key))
    return tuple(found)


def _all_groups(run: str, separator: str) -> bool:
    """Is ``run`` digit groups of 2 to 6 joined by ``separator``, 8 digits or more?"""
    groups = run.split(separator)
    return (
        len(groups) > 1
        and all(2 <= len(g) <= 6 and g.isdigit() for g in groups)
        and sum(len(g) for g in groups) >= MIN_ACCOUNT_DIGITS
    )


@lru_cache(maxsize=8192)
def _run_key(run: str) -> tuple[str, str] | None:
    """(kind, key) of a digit run with no space, or of digit groups joined by spaces."""
    if run.isdigit():
        if len(run) >= MIN_ACCOUNT_DIGITS:
            return ("account", "account:" + run)
        if len(run) > 1 and run[0] == "0":
            return None  # 007: an identifier
        return ("amount", "amount:" + run)  # digits with no leading zero: their plain form
    if " " in run:
        return ("account", "account:" + run.replace(" ", "")) if _all_groups(run, " ") else None
    seps = {c for c in run if not c.isdigit()}
    if len(seps) == 1 and seps <= {"-", "/", "."} and _date_shaped(run):
        day = _numeric_date(run, next(iter(seps)))
        # an impossible or ambiguous date is no other kind of value either
        return None if day is None else ("date", "date:" + day)
    if seps == {"-"}:
        return ("account", "account:" + run.replace("-", "")) if _all_groups(run, "-") else None
    amount = _amount(run, seps)
    return None if amount is None else ("amount", "amount:" + amount)


def _date_shaped(run: str) -> bool:
    """Three groups, year first (``2024-5-13``) or last, of four or two digits."""
    groups = re.split(r"[-/.]", run)
    if len(groups) != 3:
        return False
    first, second, third = (len(g) for g in groups)
    if first == 4:
        return second <= 2 and third <= 2
    return first <= 2 and second <= 2 and third in (2, 4)


def _numeric_date(run: str, sep: str) -> str | None:
    """The one day a date-shaped run can mean: year first is year-month-day; year last
    is day/month/year or month/day/year, refused when both are days and differ. A
    two-digit year is refused."""
    first, second, third = run.split(sep)
    if len(first) == 4:
        return _day(int(first), int(second), int(third))
    if len(third) == 4:
        readings = {
            d
            for d in (
                _day(int(third), int(second), int(first)),  # day/month/year
                _day(int(third), int(first), int(second)),  # month/day/year
            )
            if d is not None
        }
        return readings.pop() if len(readings) == 1 else None
    return None


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _amount(run: str, seps: set[str]) -> str | None:
    """A number with thousands separators and a decimal mark, or None when it is
    ambiguous or malformed (see the module doc)."""
    if not seps <= {",", "."}:
        return None
    if len(seps) == 2:
        mark = "." if run.rfind(".") > run.rfind(",") else ","
        whole, _, fraction = run.rpartition(mark)
        if mark in whole:
            return None
        integer = _grouped(whole, "," if mark == "." else ".")
    else:
        sep = seps.pop()
        parts = run.split(sep)
        if len(parts) == 2 and len(parts[1]) == 3 and len(parts[0]) <= 3:
            return None  # 1,200 or 1.200: thousands or decimals, by locale
        if len(parts) == 2 and (sep == "." or len(parts[1]) <= 2):
            integer, fraction = parts
            if len(integer) > 1 and integer[0] == "0":
                return None
        else:
            integer, fraction = _grouped(run, sep), ""
    if integer is None:
        return None
    return _plain_digits(integer, fraction)


def _plain_digits(integer: str, fraction: str) -> str:
    """``plain(Decimal(f"{integer}.{fraction}"))`` for digit strings, without Decimal:
    no leading zero, no trailing zero in the fraction, no empty fraction."""
    whole = integer.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def _grouped(text: str, sep: str) -> str | None:
    """``1,234,567`` -> ``1234567``; None unless the groups after the first are of 3."""
    groups = text.split(sep)
    if not 1 <= len(groups[0]) <= 3 or (groups[0][0] == "0" and len(groups) > 1):
        return None
    if any(len(g) != 3 for g in groups[1:]):
        return None
    return "".join(groups)


def plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


def _word_date(padded: str, start: int, end: int) -> tuple[int, int, str] | None:
    """``May 13, 2024`` with its day at ``start``, or ``13 May 2024`` from there. Cheap
    looks at the characters around come first: most short numbers are no date."""
    if padded[start - 1] == " " and padded[start - 4 : start - 1] in _MONTH_TAILS:
        head = padded.rfind(" ", max(0, start - 12), start - 1) + 1
        while padded[head] in "([{\"'":  # (May 13, 2024)
            head += 1
        month = _MONTH_WORDS.get(padded[head : start - 1].rstrip("."))
        match = _DAY_YEAR.match(padded, start) if month is not None and head > 0 else None
        if match is not None and month is not None:
            day = _day(int(match.group(2)), month, int(match.group(1)))
            return None if day is None else (head, match.end(), "date:" + day)
    after = padded[end]
    if after == " ":
        if padded[end + 1] not in _MONTH_HEADS:
            return None
    elif after not in ".snrt":
        return None
    match = _DAY_MONTH_YEAR.match(padded, start)
    if match is None or _glued_before(padded, start):
        return None
    day = _day(int(match.group(3)), _MONTH_WORDS[match.group(2)], int(match.group(1)))
    return None if day is None else (start, match.end(), "date:" + day)


@lru_cache(maxsize=4096)
def _phone_key(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != 0:  # IS_POSSIBLE
        return None
    return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _iban_at(padded: str, start: int) -> tuple[int, int, str] | None:
    if _word_char(padded[start - 1]):
        return None
    match = _IBAN.match(padded, start)
    if match is None:
        return None
    raw = match.group()
    while True:
        end = start + len(raw)
        key = _iban_key(raw)
        if key is not None and not _glued_after(padded, end):
            return (start, end, key)
        cut = max(raw.rfind(" "), raw.rfind("-"))  # a word too many: "... 19 by"
        if cut < 4:
            return None
        raw = raw[:cut]


@lru_cache(maxsize=4096)
def _iban_key(raw: str) -> str | None:
    compact = raw.replace(" ", "").replace("-", "")
    if not 15 <= len(compact) <= 34 or not compact.isascii():
        return None
    # ISO 13616: the first four characters moved to the end, letters as 10 to 35
    moved = (compact[4:] + compact[:4]).translate(_IBAN_DIGITS)
    return "account:" + compact if int(moved) % 97 == 1 else None
