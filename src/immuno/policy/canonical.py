"""Values in text, and the one canonical key each stands for.

Data flow compares what an agent sends with what it read; the same value is printed
in many forms. :func:`find_values` finds the values of six kinds in a text, and gives
each a key that is the same for every form of the value:

    url      ``https://Bank.example:443/pay/#top`` -> ``url:https://bank.example/pay``
             (scheme and host case, default port, trailing slash, fragment, and
             percent-encoded unreserved characters do not matter; the query does).
             Also ``www.`` hosts, a host followed by a path (``evil.example/login``)
             and a bare host on a common top-level domain (``evil.com``): these have
             no scheme, so their key has none (``url://evil.com``); an ``http`` or
             ``https`` URL in a read also vouches for that scheme-less key, never
             the other way round.
    email    ``Bob@X.example``, ``mailto:bob@x.example`` -> ``email:bob@x.example``
    phone    ``+1 (555) 010-2233`` -> ``phone:+15550102233`` (E.164, by the
             ``phonenumbers`` library; the number must be possible for its country)
    account  an IBAN in any spacing or case, if its mod-97 checksum holds
             (``account:de89370400440532013000``); or a long digit run: 8 digits or
             more, bare or in groups joined by single spaces or by dashes
             (``5512-3456-7890`` -> ``account:551234567890``)
    amount   a number, thousands separators and decimals resolved
             (``1,200.50``, ``1.200,50``, ``1200.5`` -> ``amount:1200.5``); currency
             and units are not part of it
    date     a calendar date (``2024-05-13``, ``13 May 2024``, ``May 13th, 2024``,
             ``13/05/2024`` -> ``date:2024-05-13``)

What is refused, not guessed (such text simply yields no value; its words still
count as words in the token index):

- a phone number without a ``+`` country code: its country is unknown;
- an IBAN-shaped string whose checksum fails, and a number glued to a word
  (``A320``, ``v1.2``, ``ref-1234``, ``10am``, ``12:30``, ``10-20``, ``15%``);
- one separator followed by exactly three digits (``1,200``, ``1.200``): a thousands
  separator or a decimal mark, by locale; also ``1,2,3``, ``192.168.0.1``, a number
  with a leading zero (``007``: an identifier), and groups of the wrong size;
- a numeric date that reads as two different days (``05/06/2024``), a two-digit
  year, a date without a year, an impossible date (``2024-02-30``), and a month
  named in any language but English.

A number inside a URL or an address is a value of its own too (``?id=12345678``);
a value may thus lie inside another.

Cost, on the 2-core development machine: a few µs for 2 KB of prose, 40 to 100 µs
for 2 KB dense with values (an invoice, a calendar in JSON: Python work per value);
``benchmarks/policy_speed.py`` measures it.

Keys are lower case and hold no whitespace, so a key is one word of the index and
never a phrase; a literal key in a text (``amount:1200.5``) would also hold the value
itself. :func:`find_values` scans the text as given (lower-cased for its keys): pass
text normalised like the token index (``cues.normalize``) so keys agree with it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

import phonenumbers

from immuno.policy.cues import normalize

KINDS = ("url", "email", "phone", "account", "amount", "date")
ALL = frozenset(KINDS)
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
    r"(?:(?<=\+)[0-9][0-9 ().-]{4,22}[0-9]|(?<=[0-9])(?:[0-9]|[-/., :](?=[0-9]))*)"
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
_URL_REST = re.compile(r"[^\s\x00-\x20\"'<>`{}|\\^\[\]]+")
_DOMAIN = re.compile(r"[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+")
_PERCENT = re.compile(r"%[0-9a-f]{2}")
# matched on the reversed text: how far back from a "://", an "@" or a dot they reach
_SCHEME_BACK = re.compile(r"[a-z0-9+.-]{1,20}")
_LOCAL_BACK = re.compile(r"[a-z0-9._%+-]{1,64}")
_HOST_BACK = re.compile(r"[a-z0-9.-]{1,253}")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._~")
# A host without scheme or path is a URL only on one of these (file names are not).
# fmt: off
_COMMON_TLDS = frozenset((
    "com", "net", "org", "edu", "gov", "info", "biz", "io", "co", "app", "dev", "xyz",
    "me", "ai", "us", "uk", "eu", "de", "fr", "nl", "ch", "au", "ca", "jp", "ru", "cn",
    "es", "it", "se", "no", "be", "at", "dk", "fi", "ie", "nz", "br", "mx", "za",
    "online", "site", "shop", "store", "tech", "cloud", "link", "page", "club", "top",
    "live", "news", "blog",
))
# fmt: on
_LABEL_END = r"(?![a-z0-9-]|\.[a-z0-9])"  # the last label of a host name ends here
# every last label (for www. hosts), or only a common top-level domain or a label
# followed by a path or a port: most dots in text are neither, and are skipped in C
_DOT_LABEL = re.compile(r"\.([a-z][a-z0-9-]{1,23})" + _LABEL_END)
_DOT_TLD = re.compile(
    r"\.(?=[a-z])(?:("
    + "|".join(sorted(_COMMON_TLDS, key=len, reverse=True))
    + r")"
    + _LABEL_END
    + r"|([a-z][a-z0-9-]{1,23})(?=[/:][^\s\x00]))"
)
_TRAILING = ".,;:!?*'\")]}"
_GLUE = frozenset("-./,@")  # between a word and a number, these glue them together
_IBAN_DIGITS = str.maketrans({chr(c): str(c - 87) for c in range(ord("a"), ord("z") + 1)})


class Value(NamedTuple):
    kind: str  # one of KINDS
    raw: str  # as found (lower-cased)
    key: str  # "kind:canonical form"
    start: int
    end: int


def find_values(text: str, kinds: Collection[str] = ALL) -> list[Value]:
    """The values of ``kinds`` in ``text``, in order of position. A number inside a
    URL (``?id=12345678``) is a value of its own too. An unknown kind is an error."""
    if kinds is not ALL and not ALL.issuperset(kinds):
        raise ValueError(f"unknown kinds of values: {sorted(set(kinds) - ALL)}")
    low = _lower(text)
    found = [Value(kind, low[start:end], key, start, end) for start, end, kind, key in _scan(low)]
    found.sort(key=lambda v: v.start)
    if kinds is ALL or set(kinds) >= ALL:
        return found
    return [v for v in found if v.kind in kinds]


def index_keys(text: str, kinds: Collection[str] = ALL) -> set[str]:
    """The keys of the values of ``kinds`` in ``text``, plus the ones a read also
    vouches for (an ``http(s)`` URL vouches for its scheme-less form). For the index."""
    if kinds is ALL:
        keys: set[str] = set()
        keys.update([hit[3] for hit in _scan(_lower(text), keys)])
    else:
        keys = {hit[3] for hit in _scan(_lower(text)) if hit[2] in kinds}
    keys.update([implied(k) for k in keys if k.startswith("url:http")])
    return keys


def implied(key: str) -> str:
    """The key an ``http(s)`` URL's key also vouches for (its scheme-less form); for
    any other key, the key itself."""
    if key.startswith(("url:https://", "url:http://")):
        return "url:" + key[key.index("//") :]
    return key


def canonical_keys(value: object) -> set[str]:
    """The keys an argument value stands for: a number is an amount (and, with 8 digits
    or more, an account number too); a string is one value as a whole (``mailto:`` and
    a currency sign around it allowed), or none. None, booleans and empty text stand
    for nothing. A list or a mapping stands for the keys of its items."""
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        return _number_keys(value)
    if isinstance(value, str):
        return _string_keys(value)
    if isinstance(value, list | tuple):
        return {key for item in value for key in canonical_keys(item)}
    if isinstance(value, dict):
        return {key for item in value.values() for key in canonical_keys(item)}
    return set()


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # a few characters grow when lower-cased: keep spans true
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def _scan(low: str, keys: set[str] | None = None) -> list[Hit]:
    """The values in ``low`` as hits; with ``keys``, numbers add their keys there
    instead (positions are not needed) and only the other hits are returned."""
    found: list[Hit] = []
    if "@" in low or "." in low:
        claimed = bytearray(len(low))  # URLs first, then addresses, then bare hosts
        back = _Back(low)
        if "://" in low:
            _urls(low, back, found, claimed)
        if "@" in low:
            _emails(low, back, found, claimed)
        _hosts(low, back, found, claimed)
    if any(digit in low for digit in "0123456789"):  # ten C searches beat one re scan
        _numbers(low, found, keys)
    return found


def _number_keys(value: int | float) -> set[str]:
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    except InvalidOperation:
        return set()
    if not number.is_finite():
        return set()
    keys = {"amount:" + _plain(number)}
    if isinstance(value, int):
        keys |= _string_keys(str(value))
    return keys


def _string_keys(value: str) -> set[str]:
    return set(_whole_value_keys(value))


@lru_cache(maxsize=4096)  # an agent often sends the same value again
def _whole_value_keys(value: str) -> frozenset[str]:
    text = normalize(value).strip()
    keys: set[str] = set()
    for found in find_values(text):
        rest = text[: found.start] + text[found.end :]
        if not rest.strip(" $€£¥"):
            keys.add(found.key)
    return frozenset(keys)


# -- URLs and hosts ------------------------------------------------------------------


def _free(claimed: bytearray, start: int, end: int) -> bool:
    return claimed.find(1, start, end) < 0


def _claim(found: list[Hit], claimed: bytearray, hit: Hit) -> None:
    found.append(hit)
    claimed[hit[0] : hit[1]] = b"\x01" * (hit[1] - hit[0])


def _trim(text: str, start: int, end: int) -> int:
    """``end`` moved back past punctuation that ends a sentence or closes a bracket the
    URL did not open."""
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


class _Back:
    """Runs of characters ending at a position, found by matching the reversed text."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        self.reversed = text[::-1]

    def start(self, pattern: re.Pattern[str], end: int) -> int:
        match = pattern.match(self.reversed, self.size - end)
        return end if match is None else end - (match.end() - match.start())


def _urls(low: str, back: _Back, found: list[Hit], claimed: bytearray) -> None:
    at = low.find("://")
    while at >= 0:
        start = back.start(_SCHEME_BACK, at)
        while start < at and not low[start].isalpha():
            start += 1
        rest = _URL_REST.match(low, at + 3)
        if start == at or rest is None:
            at = low.find("://", at + 3)
            continue
        end = _trim(low, start, rest.end())
        key = _url_key(low[start:end])
        if key is not None and _free(claimed, start, end):
            _claim(found, claimed, (start, end, "url", key))
        at = low.find("://", max(end, at + 3))


@lru_cache(maxsize=4096)
def _url_key(raw: str) -> str | None:
    schemeless = "://" not in raw
    try:
        parts = urlsplit("//" + raw if schemeless else raw)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    host = (host or "").rstrip(".")
    scheme = parts.scheme
    if not host or (not schemeless and not scheme):
        return None
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    if "@" in parts.netloc:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    path = _unquote_unreserved(parts.path).rstrip("/")
    query = _unquote_unreserved(parts.query)
    canonical = f"//{netloc}{path}" + (f"?{query}" if query else "")
    return f"url:{scheme}:{canonical}" if scheme else "url:" + canonical


def _unquote_unreserved(part: str) -> str:
    if "%" not in part:
        return part

    def decode(match: re.Match[str]) -> str:
        char = chr(int(match.group()[1:], 16))
        return char if char in _UNRESERVED else match.group()

    return _PERCENT.sub(decode, part)


def _hosts(low: str, back: _Back, found: list[Hit], claimed: bytearray) -> None:
    """URLs without a scheme: ``www.`` hosts, a host with a path, or a bare host on a
    common top-level domain."""
    labels = _DOT_LABEL if "www." in low else _DOT_TLD
    for match in labels.finditer(low):
        dot, tld_end = match.span()
        if not _free(claimed, dot, tld_end):
            continue
        follows = low[tld_end : tld_end + 1]
        has_path = follows in ("/", ":") and low[tld_end + 1 : tld_end + 2] not in ("", " ")
        common = match.group(1) in _COMMON_TLDS
        if not (has_path or common) and low.rfind("www.", max(0, dot - 253), dot) < 0:
            continue  # most dots: a file name, an abbreviation
        start = back.start(_HOST_BACK, dot)
        while start < dot and low[start] in ".-":
            start += 1
        if start == dot or (start > 0 and low[start - 1] in "@/:\\_"):
            continue  # no label before the top-level domain, or part of something else
        if not (has_path or common or low.startswith("www.", start)):
            continue
        end = tld_end
        if has_path:
            rest = _URL_REST.match(low, tld_end)
            end = _trim(low, start, rest.end()) if rest is not None else tld_end
        key = _url_key(low[start:end])
        if key is not None and _free(claimed, start, end):
            _claim(found, claimed, (start, end, "url", key))


# -- email ----------------------------------------------------------------------------


def _emails(low: str, back: _Back, found: list[Hit], claimed: bytearray) -> None:
    at = low.find("@")
    while at >= 0:
        start = back.start(_LOCAL_BACK, at)
        while start < at and low[start] == ".":
            start += 1
        domain = _DOMAIN.match(low, at + 1)
        if start < at and domain is not None:
            end = domain.end()
            while low[end - 1] == "-":
                end -= 1
            address = low[start:end]
            tld = address.rpartition(".")[2]
            if len(tld) >= 2 and tld.isalpha() and _free(claimed, start, end):
                if low.endswith("mailto:", 0, start):
                    start -= len("mailto:")
                _claim(found, claimed, (start, end, "email", "email:" + address))
        at = low.find("@", at + 1)


# -- numbers: phones, accounts, amounts, dates ---------------------------------------
#
# The text is scanned padded with two spaces at each end, so two characters of
# context are always there. A number's values depend only on it and those four
# characters (``_classify``, cached), except where a word before it matters (an IBAN's
# country code, a month's name: looked at on the spot).


def _numbers(low: str, found: list[Hit], keys: set[str] | None = None) -> None:
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
        return ("amount", "amount:" + _plain(Decimal(run)))
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
    return _plain(Decimal(f"{integer}.{fraction}" if fraction else integer))


def _grouped(text: str, sep: str) -> str | None:
    """``1,234,567`` -> ``1234567``; None unless the groups after the first are of 3."""
    groups = text.split(sep)
    if not 1 <= len(groups[0]) <= 3 or (groups[0][0] == "0" and len(groups) > 1):
        return None
    if any(len(g) != 3 for g in groups[1:]):
        return None
    return "".join(groups)


def _plain(number: Decimal) -> str:
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
