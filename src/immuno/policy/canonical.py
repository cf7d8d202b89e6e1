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

Numbers (phones, accounts, amounts, dates) are found by :mod:`immuno.policy.numeric`;
URLs, hosts and addresses here.

Keys are lower case and hold no whitespace, so a key is one word of the index and
never a phrase; a literal key in a text (``amount:1200.5``) would also hold the value
itself. :func:`find_values` scans the text as given (lower-cased for its keys): pass
text normalised like the token index (``cues.normalize``) so keys agree with it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from immuno.policy.cues import normalize
from immuno.policy.numeric import Hit, numbers, plain

KINDS = ("url", "email", "phone", "account", "amount", "date")
ALL = frozenset(KINDS)

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
        numbers(low, found, keys)
    return found


def _number_keys(value: int | float) -> set[str]:
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    except InvalidOperation:
        return set()
    if not number.is_finite():
        return set()
    keys = {"amount:" + plain(number)}
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
