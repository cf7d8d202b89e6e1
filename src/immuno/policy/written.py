"""Values written back: trust attaches to the record, not only to the tool.

An agent that copies a value from an email into a store the manifest trusts (a CRM
field, a saved payee, a note) would otherwise launder it: read back through the
trusted tool, it would count as trusted. So when a delivered write (a call to a
tool with a ``sink``, or a ``memory_write``) carries a value that the agent's
trusted reads in that trace do not support, the value is remembered here with the
level it did have (``clean`` or ``any``), and a later trusted read that contains it
files it at that level (``flow.trusted_parts``). A call an operator approved is not
remembered: the approval vouches for its values.

A write lands in its service's store: a value written by ``crm.update`` is demoted in
what ``crm.*`` tools return, one written by ``bank.add_payee`` in ``bank.*``, a
``memory_write`` in memory reads. Inviting someone to a meeting does not put them in
the address book, so ``calendar.create`` does not demote ``contacts.search``. A tool
whose name has no service prefix (no dot) could write anywhere: its values are
demoted in every trusted read.

Only value-like words are remembered (``remembered``): words of three characters or
more mixing letters and digits (accounts, ids, postcodes), anything with ``@`` or
``/`` (addresses, URLs, paths) and long digit runs, plus a whole short value with
spaces that holds such a word ("21 Quay Street, Bristol BS1 4DJ"), and the canonical
key of every URL, address, phone and account number in it (``canonical.py``), so the
value is still demoted when the trusted tool prints it in another form; a read that
holds a demoted value in any form has all its forms demoted.

The book lives in the store (table ``policy_written``), so it outlives a trace and
the pipeline, and is shared by every pipeline on the store: each trusted read first
picks up rows written since the last look (one indexed query). In memory it is, per
service, a dictionary and a set, so finding the written values in a read is a set
intersection. A value is forgotten only by :meth:`WrittenValues.forget` (an operator
who checked it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from immuno.policy.canonical import canonical_keys, find_values, implied, index_keys
from immuno.policy.cues import normalize
from immuno.policy.schema import SCHEMA
from immuno.policy.spec import Source
from immuno.policy.words import GROUP, has_words, tokens
from immuno.store.base import Store

EVERYWHERE = "*"  # the scope of a write by a tool with no service prefix
MEMORY = "memory"  # the scope of memory writes and reads
MAX_PHRASE = 200  # characters of a whole value with spaces worth remembering
MAX_ITEMS = 64  # remembered per write (a long body is not a value)
_HINT = re.compile(r"[0-9@/]")
_DIGIT = re.compile(r"[0-9]")
_AMOUNT = re.compile(r"[+-]?[0-9]{1,7}(?:[.,][0-9]{1,3})*")  # 1200, 45.5, 2,450.00
DEMOTED_KINDS = ("url", "email", "phone", "account")  # amounts and dates are everywhere


def scope_of(tool: str | None, *, write: bool) -> str:
    """The store a tool writes to or reads from: its service prefix (``crm`` for
    ``crm.update``). Without one, a write may land anywhere; a read is its own."""
    if not tool:
        return MEMORY
    service, dot, _ = tool.partition(".")
    if dot:
        return service
    return EVERYWHERE if write else tool


def value_like(token: str) -> bool:
    """Could this word be an account, an address, an id, a URL or a path?"""
    if "@" in token or "/" in token:
        return len(token) >= 5
    digits = any(c.isdigit() for c in token)
    if digits and any(c.isalpha() for c in token):
        return len(token) >= 3
    return token.isdigit() and len(token) >= 8


def remembered(norm: str) -> list[str]:
    """The items of one normalised written value worth remembering (see module doc)."""
    # Words as written, and the value's own groups joined ("XK05 1212 ...",
    # "5512-3456-7890"), not every run of short words the token index joins.
    split = [word.strip(".,:;!?*") for word in norm.split()]
    plain = {*split, norm.replace(" ", ""), *_digit_groups(split)}
    plain.update(word.replace("-", "") for word in split if "-" in word)
    words = sorted(t for t in tokens(norm, canonical=False) if t in plain and value_like(t))
    if words and " " in norm and len(norm) <= MAX_PHRASE:
        words.append(norm)
    keys = sorted(index_keys(norm, DEMOTED_KINDS))
    return (keys + words)[:MAX_ITEMS]


def _digit_groups(words: list[str]) -> Iterable[str]:
    """Each run of short groups joined from its first group with a digit to its last
    ("account 5512 3456 7890" -> "551234567890"): the words around are no part of it."""
    run: list[str] = []
    for word in [*words, ""]:
        if word and len(word) <= GROUP and word.isalnum():
            run.append(word)
            continue
        digits = [i for i, group in enumerate(run) if _DIGIT.search(group)]
        if len(digits) >= 2:
            yield "".join(run[digits[0] : digits[-1] + 1])
        run = []


def items_written(
    values: Iterable[str], supported: Callable[[str, Source], bool]
) -> dict[str, Source]:
    """The items of ``values`` that trusted reads do not support, each with the level
    its support has (``supported(normalised item, level)``). An item in nothing the
    agent read is the agent's own composition in a tainted trace: remembered at ``any``.
    (A trace that read only trusted content launders nothing: the caller skips it.)"""
    found: dict[str, Source] = {}
    for value in values:
        # Cheap exits first: nothing value-like in it, a plain amount, or all trusted.
        if _HINT.search(value) is None or _AMOUNT.fullmatch(value) is not None:
            continue
        norm = " ".join(normalize(value).split())
        if supported(norm, Source.TRUSTED):
            continue
        for item in remembered(norm):
            if supported(item, Source.TRUSTED):
                continue
            found[item] = Source.CLEAN if supported(item, Source.CLEAN) else Source.ANY
    return found


def _every_form(found: dict[str, Source], text: str) -> None:
    """A demoted value found in a read in one form (as written, or by its key) brings
    its other forms in that read: its key, so the read's trusted part loses it, and the
    text as printed, so it is masked there too."""
    for value in find_values(text, DEMOTED_KINDS):
        forms = {value.raw, value.key, implied(value.key), value.key.partition(":")[2]}
        levels = [found[form] for form in forms if form in found]
        if levels:
            level = min(levels)
            for form in forms - {value.key.partition(":")[2]}:
                found[form] = min(found.get(form, Source.TRUSTED), level)


@dataclass(frozen=True)
class WrittenValue:
    value: str
    scope: str
    level: Source
    agent: str
    tool: str
    trace: str | None
    at: float


@dataclass
class _Book:
    """The written values of one scope."""

    levels: dict[str, Source] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)  # one-word values
    phrases: dict[str, list[str]] = field(default_factory=dict)  # first word -> values

    def learn(self, value: str, level: Source) -> None:
        known = self.levels.get(value)
        if known is not None and known <= level:
            return
        self.levels[value] = level
        if " " in value:
            phrases = self.phrases.setdefault(value.split(" ", 1)[0], [])
            if value not in phrases:
                phrases.append(value)
        else:
            self.words.add(value)

    def drop(self, value: str) -> None:
        self.levels.pop(value, None)
        self.words.discard(value)
        phrases = self.phrases.get(value.split(" ", 1)[0], [])
        if value in phrases:
            phrases.remove(value)

    def find(self, tokens: AbstractSet[str], text: str, found: dict[str, Source]) -> None:
        for word in tokens & self.words:
            found[word] = min(self.levels[word], found.get(word, Source.TRUSTED))
        for head in tokens & self.phrases.keys():
            for phrase in self.phrases[head]:
                if has_words(text, phrase):
                    found[phrase] = min(self.levels[phrase], found.get(phrase, Source.TRUSTED))


class Scoped:
    """The book as one trusted read sees it (``flow.Demotions``)."""

    def __init__(self, values: WrittenValues, scope: str) -> None:
        self.values = values
        self.scope = scope

    def present(self, tokens: AbstractSet[str], text: str) -> Mapping[str, Source]:
        return self.values.present(self.scope, tokens, text)


class WrittenValues:
    """The book of written-back values. ``clock`` is the pipeline's injected clock."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        store.migrate("policy", SCHEMA)
        self._books: dict[str, _Book] = {}
        self._seq = 0
        self.refresh()

    def __len__(self) -> int:
        return sum(len(book.levels) for book in self._books.values())

    def refresh(self) -> None:
        """Pick up rows written since the last look (by this or another pipeline)."""
        rows = self.store.query(
            "SELECT value, scope, level, seq FROM policy_written WHERE seq > ? ORDER BY seq",
            (self._seq,),
        )
        for value, scope, level, seq in rows:
            self._books.setdefault(scope, _Book()).learn(value, Source(level))
            self._seq = max(self._seq, seq)

    def level(self, value: str, scope: str) -> Source | None:
        book = self._books.get(scope)
        return None if book is None else book.levels.get(value)

    def scoped(self, scope: str) -> Scoped:
        return Scoped(self, scope)

    def present(self, scope: str, tokens: AbstractSet[str], text: str) -> Mapping[str, Source]:
        """The written values a trusted read of ``scope`` contains (tokens and text)."""
        self.refresh()
        found: dict[str, Source] = {}
        for name in {scope, EVERYWHERE}:
            book = self._books.get(name)
            if book is not None:
                book.find(tokens, text, found)
        if found:
            _every_form(found, text)
        return found

    def remember(
        self, items: Mapping[str, Source], scope: str, agent: str, tool: str, trace: str | None
    ) -> None:
        """Keep ``items`` (value -> the level its support had) at the lowest level seen."""
        new = {
            value: level
            for value, level in items.items()
            if (self.level(value, scope) or Source.TRUSTED) > level
        }
        if not new:
            return
        now = self.clock()
        # The lock keeps seq unique when writers in other processes add values too.
        with self.store.transaction(lock="policy_written") as cur:
            for value, level in new.items():
                cur.execute(
                    "INSERT INTO policy_written (value, scope, level, agent, tool, trace, at, seq)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, "
                    "(SELECT coalesce(max(seq), 0) + 1 FROM policy_written)) "
                    "ON CONFLICT (value, scope) DO UPDATE SET "
                    "level = CASE WHEN excluded.level < policy_written.level"
                    " THEN excluded.level ELSE policy_written.level END, seq = excluded.seq",
                    (value, scope, int(level), agent, tool, trace, now),
                )
        book = self._books.setdefault(scope, _Book())
        for value, level in new.items():
            book.learn(value, level)

    def forget(self, value: str) -> int:
        """Drop a value an operator has checked, in every scope; how many rows went."""
        norm = " ".join(normalize(value).split())
        forms = [norm, *sorted(canonical_keys(norm))]  # the keys it was remembered by
        gone = 0
        with self.store.transaction() as cur:
            for form in forms:
                gone += cur.execute("DELETE FROM policy_written WHERE value = ?", (form,)).rowcount
        for book in self._books.values():
            for form in forms:
                book.drop(form)
        return gone

    def list(self, limit: int = 100) -> list[WrittenValue]:
        rows = self.store.query(
            "SELECT value, scope, level, agent, tool, trace, at FROM policy_written "
            "ORDER BY at DESC, seq DESC LIMIT ?",
            (limit,),
        )
        return [WrittenValue(v, s, Source(lvl), a, t, tr, at) for v, s, lvl, a, t, tr, at in rows]
