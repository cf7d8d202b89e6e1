"""Data flow: what each agent has read in a session, and how much each read is trusted.

Every delivered read (a message, a tool result, a memory read) is filed under its
session (``sessions.py``) in parts, each at one of three levels:

    trusted   the user or the operator wrote it, or a tool the manifest trusts
    clean     untrusted and unflagged, and neither an instruction nor a change
              notice supplies it (see ``cues.py``)
    flagged   everything else the agent read (``any``)

A sink argument marked ``from: trusted`` must appear in trusted parts; ``from:
clean`` in trusted or clean ones.

Cleanliness is judged per sentence, not per read (``cues.judge``): a value in a
plain line of an otherwise polite mail stays clean; a value inside or right after a
request, or after a change notice ("our bank details have changed", "from now on",
"also invite ..."), is not, and a value named anywhere unclean is unclean in the
whole read. A read the detector flagged, or one that addresses the model or hides
characters, is flagged whole.

Only what a reader would see can be clean (``hidden.py``): text in an HTML comment,
a ``display:none`` block or a 1-pixel image is filed at ``any`` only, and a cue in
such hidden prose (in script or style: only one that addresses the model) flags the
whole read.

A JSON or YAML read is judged by what its values say (:func:`values_text`): each
value unescaped, on a line of its own after its key, so an escaped line break or
``\\u`` escape hides no cue and each value is a record of its own.

Trust belongs to the record, not only to the tool: a value an agent wrote into a
tool while only untrusted content supported it (``written.py`` keeps these, in the
store) keeps its lower level when a trusted tool later returns it. Such a trusted
read is filed as a trusted part with those values masked out, plus a part at their
lowest level.

A one-word value must be a word of such a part, found in a token index with one set
lookup (numbers printed in groups, like an IBAN ``DE89 3704 0044 ...`` or
``5512-3456-7890``, are indexed joined too, from the first group with a digit on); a
value with spaces must appear in such a part as whole words, runs of whitespace
counting as one, and not also in the unclean sentences of the same read.
A value that is only part of a word does not count. The index also holds the
canonical key of every value found in the part (``canonical.py``: ``1,200.50`` as
``amount:1200.5``, an IBAN in any spacing as one ``account:`` key, a URL without its
default port or fragment ...), so a value printed in another form is still found; a
key present only in unclean sentences does not count, like any other word. (A part
filed at ``any`` vouches for nothing, and is not searched for values; its words only
tell a refusal where else a value was seen, so the plain words of such a part are
found when that is first asked: ``Part.deferred``.)

An untrusted read is judged when a lookup first needs it, not when it is filed
(:func:`unjudged`): it is stored as it came, and in each worker the first lookup below
``trusted`` in its session judges every such read, in place (a worker's judgement is
kept in its memory, not in the store). A read nothing asks about before the
session ends, or before it is forgotten, is never judged; the verdict a lookup gets is
the one it would have got from reads judged on arrival. A trusted read is judged on
arrival, against the values written back until then.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, deque
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from immuno.core.hidden import split
from immuno.core.html_tables import table_fields
from immuno.core.structure import REST, parse
from immuno.policy.cues import carries_instructions, carries_strong_cue, judge, normalize
from immuno.policy.spec import Source
from immuno.policy.words import has_words, tokens, word_hits

log = logging.getLogger("immuno.policy")

MAX_READ_CHARS = 65_536  # of one read, indexed; a value past it vouches for nothing


class Demotions(Protocol):
    """Values written from untrusted content, and the level each keeps (written.py)."""

    def present(self, tokens: AbstractSet[str], text: str) -> Mapping[str, Source]: ...


@dataclass(frozen=True)
class Part:
    level: Source
    text: str  # normalised, whitespace runs as one space
    tokens: frozenset[str]
    against: str = ""  # unclean sentences of the same read: a phrase found here does not count
    via: str = ""  # for a trusted part the user's request endorsed: which request, which read
    # ``tokens`` left empty: they are the words of ``text`` (``tokens(text, False)``),
    # found only when asked for (``TraceReads``). Only a part at ``any`` is deferred.
    deferred: bool = False
    # the whole read as it came, not judged yet: ``TraceReads`` cuts it into parts
    # (``read_parts``) when a lookup first needs it (``unjudged``)
    unjudged: bool = False


def _part(level: Source, text: str, found: set[str] | None = None, against: str = "") -> Part:
    if found is None and level is Source.ANY:
        # it vouches for nothing, so its words only ever tell where a refused value was
        # seen (and its values none of that): they are found if that is ever asked
        return Part(level, " ".join(text.split()), frozenset(), against, deferred=True)
    words = tokens(text) if found is None else found
    return Part(level, " ".join(text.split()), frozenset(words), against)


def untrusted_parts(text: str, level: Source) -> tuple[Part, ...]:
    """An untrusted read: clean sentences of its visible text at ``clean`` (at most
    ``level``), the whole read at ``any``. Hidden text (``hidden.py``) is never clean,
    and a cue in it, or a strong cue in its code, flags the whole read. A JSON or YAML
    read is judged by what its values say (:func:`values_text`)."""
    if level is Source.ANY:
        return (_part(Source.ANY, normalize(text)),)
    said = values_text(text)
    read = text if said is text else f"{text}\n{said}"  # all the agent read, both ways
    seen = split(said)
    if seen.hides and (carries_instructions(seen.hidden) or carries_strong_cue(seen.code)):
        return (_part(Source.ANY, normalize(read)),)
    judged = judge(seen.visible)
    if judged.whole:
        return (_part(Source.ANY, normalize(read) if seen.visible is not text else judged.norm),)
    # with markup, everything the agent read (tags, hidden text) is filed at ``any``
    # (the values of a JSON or YAML read are in its other parts, at their own levels)
    whole = _part(Source.ANY, normalize(text)) if seen.visible is not text else None
    if judged.clean:
        visible = _part(Source.CLEAN, judged.norm)
        return (visible,) if whole is None else (visible, whole)
    clean, dirty = judged.parts()
    clean_words, dirty_words = tokens(clean), tokens(dirty)
    return (
        _part(Source.CLEAN, clean, clean_words - dirty_words, " ".join(dirty.split())),
        whole or _part(Source.ANY, judged.norm, clean_words | dirty_words),
    )


def values_text(text: str) -> str:
    """A JSON or YAML read as what its values say, ``text`` itself for any other: each
    value unescaped (``first:\\nPlease`` is two lines) on a line of its own, after its
    key and a colon, as YAML writes it. The key is judged with the value: it can carry
    a cue ("new_bank_account"; ``cues.py`` reads identifier joins), and a line
    ``key: value`` is a record of its own, as in a mail header."""
    found = parse(text, tables=False)  # CSV has no escapes: judged as it is
    if found.format not in ("json", "jsonl", "yaml"):
        return text
    return "\n".join(f"{f.key}: {f.text}" if f.key is not None else f.text for f in found.fields)


def unjudged(text: str, level: Source) -> tuple[Part, ...]:
    """An untrusted read filed as it came, judged by :func:`read_parts` only when a
    lookup first needs it: most reads are never asked about (no later call has a
    ``from:`` argument at their level, or the session ends first), and one that is
    pays the same judgement, later. Only an untrusted read can wait: a trusted one is
    judged against the values written back at the time it is read."""
    if level is Source.TRUSTED:
        raise ValueError("a trusted read is judged when it is filed")
    return (Part(level, text[:MAX_READ_CHARS], frozenset(), unjudged=True),)


def judge_read(part: Part) -> tuple[Part, ...]:
    """The parts of a read filed as it came (``unjudged``). A read that cannot be
    judged (a fault in the judging) vouches for nothing: one part at ``any``, with no
    words, and the fault logged."""
    try:
        return read_parts(part.text, part.level)
    except Exception:
        log.exception("a read could not be judged: it vouches for nothing")
        return (Part(Source.ANY, "", frozenset()),)


def read_parts(text: str, level: Source, demotions: Demotions | None = None) -> tuple[Part, ...]:
    """A read cut into parts at ``level`` at most: trusted reads keep written-back
    values at their own level, untrusted ones are judged sentence by sentence (the
    slow part: callers may do it outside their lock)."""
    text = text[:MAX_READ_CHARS]
    if level is Source.TRUSTED:
        return trusted_parts(text, demotions)
    return untrusted_parts(text, level)


def fielded_parts(
    text: str,
    outsiders: AbstractSet[str],
    demotions: Demotions | None,
    level: Source = Source.CLEAN,
) -> tuple[Part, ...]:
    """A trusted tool's read of which some fields an outsider can write (the manifest's
    ``outsider_fields``: an invitation's description, a ticket's body): those fields
    are judged as untrusted content, the rest is trusted. An HTML read is told apart
    by its tables' columns (``html_tables.py``). A read that is not JSON, YAML, CSV or
    such HTML cannot be told apart: all of it is judged as untrusted (fail closed), and
    so is one too large or too deep to be read field by field. Outsider fields are
    filed at ``level`` at most."""
    found = parse(text)
    fields = found.fields if found.structured else None
    if found.format == "html":
        fields = table_fields(text)
    if fields is None:
        return untrusted_parts(text, level)
    own: list[str] = []
    other: list[str] = []
    named = {name.casefold() for name in outsiders}  # as a reader would type it
    for item in fields:
        line = f"{item.key}: {item.text}" if item.key is not None else item.text
        # what the parser's bounds left over could hold any field: an outsider's
        outsider = item.path == REST or bool(_path_names(item.path) & named)
        (other if outsider else own).append(line)
    parts = trusted_parts("\n".join(own), demotions) if own else ()
    return parts + (untrusted_parts("\n".join(other), level) if other else ())


_PATH_NAMES = re.compile(r"\.([^.\[]+)|\[\"((?:[^\"\\]|\\.)*)\"\]")


def _path_names(path: str) -> set[str]:
    """The member names along a field's path (``$[2].to[0].email``: to, email; a
    quoted one unescaped: ``$["re\\u00e7u"]``: reçu), case-folded."""
    names = set()
    for match in _PATH_NAMES.finditer(path):
        name = match.group(1) or json.loads(f'"{match.group(2)}"')
        names.add(name.casefold())
    return names


def trusted_parts(text: str, demotions: Demotions | None) -> tuple[Part, ...]:
    """A trusted read; values written from untrusted content keep their level. A JSON
    or YAML read is indexed by its unescaped values too (:func:`values_text`)."""
    said = values_text(text)
    norm = normalize(text if said is text else f"{text}\n{said}")
    whole = _part(Source.TRUSTED, norm)
    found = demotions.present(whole.tokens, whole.text) if demotions is not None else {}
    if not found:
        return (whole,)
    masked = whole.text
    for value in found:
        masked = _mask(masked, value)
    lowest = min(found.values())
    return (
        _part(Source.TRUSTED, masked, set(whole.tokens) - found.keys()),
        Part(lowest, whole.text, whole.tokens),
    )


def _mask(text: str, value: str) -> str:
    """``text`` with every whole-word occurrence of ``value`` replaced by a NUL."""
    out, start = [], 0
    for begin in word_hits(text, value):
        out.append(text[start:begin] + "\x00")
        start = begin + len(value)
    return "".join(out) + text[start:]


@dataclass
class TraceReads:
    """The reads of one agent in one session, each a tuple of parts."""

    limit: int
    reads: deque[tuple[Part, ...]] = field(default_factory=deque)
    # token -> how many remembered parts at or above the level carry it (ANY: all parts)
    index: dict[Source, Counter[str]] = field(
        default_factory=lambda: {level: Counter() for level in Source}
    )
    _joined: dict[Source, str | None] = field(default_factory=lambda: dict.fromkeys(Source))
    tainted: bool = False  # it has read untrusted content (for the rest of the session)
    endorsed: bool = False  # some trusted part is only endorsed (``Part.via``)
    # per read, as in ``reads``: the words of its deferred parts once indexed (None
    # before), and how many reads have deferred parts not indexed yet
    _deferred: deque[list[frozenset[str]] | None] = field(default_factory=deque)
    _waiting: int = 0
    _unjudged: int = 0  # reads filed as they came (``unjudged``), not judged yet

    def add(self, text: str, level: Source, demotions: Demotions | None = None) -> None:
        """File a read at ``level`` at most (see :func:`read_parts`)."""
        self.file(read_parts(text, level, demotions))

    def file(self, parts: tuple[Part, ...]) -> None:
        """File a read already cut into parts, or one to judge later (``unjudged``)."""
        self.reads.append(parts)
        self._deferred.append(None)
        if _waits(parts):
            self._unjudged += 1  # indexed once judged
        else:
            self._index(parts)
        if any(part.level is not Source.TRUSTED or part.via for part in parts):
            self.tainted = True  # an endorsed read is still content a stranger could write
        if any(part.via for part in parts):
            self.endorsed = True
        while len(self.reads) > self.limit:
            parts = self.reads.popleft()
            words = self._deferred.popleft()
            if _waits(parts):
                self._unjudged -= 1  # forgotten before anything asked about it
                continue
            self._file(parts, -1)
            if words is not None:
                for found in words:
                    self._count(Source.ANY, found, -1)
            elif any(part.deferred for part in parts):
                self._waiting -= 1

    def _index(self, parts: tuple[Part, ...]) -> None:
        if any(part.deferred for part in parts):
            self._waiting += 1
        self._file(parts, +1)

    def waiting(self) -> list[Part]:
        """The reads filed as they came and not judged yet, one part each: a caller
        may judge them outside its lock (:func:`judge_read`) and hand them to
        :meth:`judged`."""
        return [read[0] for read in self.reads if _waits(read)] if self._unjudged else []

    def judged(self, done: Mapping[Part, tuple[Part, ...]]) -> None:
        """Put in the judgements of :meth:`waiting`'s parts (a part forgotten meanwhile
        is left out); any other waiting read is judged when a lookup needs it."""
        self._judge(done)

    def _judge(self, done: Mapping[Part, tuple[Part, ...]] | None = None) -> None:
        """Judge the reads filed as they came, in place (their order is kept, so the
        oldest is still forgotten first)."""
        left = 0
        for i, read in enumerate(self.reads):
            if _waits(read):
                (part,) = read
                judged = done.get(part) if done is not None else judge_read(part)
                if judged is None:
                    left += 1
                    continue
                self.reads[i] = judged
                self._index(judged)
        self._unjudged = left

    def _file(self, parts: tuple[Part, ...], delta: int) -> None:
        for part in parts:
            for level in Source:
                if part.level >= level:
                    self._joined[level] = None
                    self._count(level, part.tokens, delta)

    def _count(self, level: Source, words: frozenset[str], delta: int) -> None:
        counter = self.index[level]
        if delta > 0:
            counter.update(words)  # an iterable: counted in C, one each
            return
        counter.subtract(words)
        for word in words:
            if counter[word] <= 0:
                del counter[word]

    def _index_deferred(self) -> None:
        """Index the words of the deferred parts (for a lookup at ``any``)."""
        indexed: deque[list[frozenset[str]] | None] = deque()
        for read, words in zip(self.reads, self._deferred, strict=True):
            if words is None and any(part.deferred for part in read):
                words = [frozenset(tokens(p.text, False)) for p in read if p.deferred]
                for found in words:
                    self._count(Source.ANY, found, +1)
            indexed.append(words)
        self._deferred = indexed
        self._waiting = 0

    def endorsement(self, norm: str) -> str | None:
        """When ``norm`` is trusted only because the user's request endorsed the read it
        is in, which endorsement (``Part.via``); None when a plain trusted part has it."""
        if not self.endorsed:
            return None
        found = None
        for read in self.reads:
            for part in read:
                if part.level is not Source.TRUSTED or not _in_part(part, norm):
                    continue
                if not part.via:
                    return None
                found = found or part.via
        return found

    def has(self, value: str, level: Source) -> bool:
        """Does ``value`` appear in reads at ``level`` or above? (``any``: no requirement.)"""
        return level is Source.ANY or self.contains(value, level)

    def contains(self, value: str, level: Source) -> bool:
        """Does ``value`` appear in remembered parts at ``level`` or above?

        A one-word value must be a word of a part (one set lookup); a value with spaces
        must appear in a part as whole words, runs of whitespace counting as one, and
        not in the unclean sentences of the same read.
        """
        return self.contains_normalized(normalize(value).strip(), level)

    def contains_normalized(self, norm: str, level: Source) -> bool:
        """:meth:`contains` for a value already normalised and stripped. An empty
        value is found nowhere: it never vouches."""
        if not norm:
            return False
        if self._unjudged and level is not Source.TRUSTED:
            # (an untrusted read is never judged trusted: a trusted lookup skips them)
            self._judge()
        if level is Source.ANY and self._waiting:
            self._index_deferred()
        if norm in self.index[level]:
            return True
        phrase = " ".join(norm.split())
        if " " not in phrase:
            return False
        joined = self._joined[level]
        if joined is None:
            joined = "\x00".join(p.text for r in self.reads for p in r if p.level >= level)
            self._joined[level] = joined
        if not has_words(joined, phrase):
            return False  # the common refusal: one scan of the joined text
        return any(
            has_words(p.text, phrase) and not has_words(p.against, phrase)
            for r in self.reads
            for p in r
            if p.level >= level
        )


def _waits(read: tuple[Part, ...]) -> bool:
    return len(read) == 1 and read[0].unjudged


def _in_part(part: Part, norm: str) -> bool:
    return norm in part.tokens or (" " in norm and has_words(part.text, " ".join(norm.split())))


def value_strings(value: object) -> list[str]:
    """The strings a (possibly nested) argument value is made of."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        return [str(int(value))] if value.is_integer() else [repr(value)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in value_strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in value_strings(item)]
    return [str(value)]
