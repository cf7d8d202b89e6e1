"""Data flow: what each agent has read in a trace, and how much each read is trusted.

Every delivered read (a message, a tool result, a memory read) is filed under its
trace at one of three levels:

    trusted   the user or the operator wrote it, or a tool the manifest trusts
    clean     untrusted, but no layer flagged it and it gives the agent no instructions
    flagged   untrusted and flagged by an earlier layer, or it carries instructions

A sink argument marked ``from: trusted`` must appear in trusted reads; ``from:
clean`` in trusted or clean ones. A one-word value must be a word of such a read,
found in a token index with one set lookup (numbers printed in groups, like an IBAN
``DE89 3704 0044 ...``, are indexed joined too); a value with spaces must appear in
such a read as whole words, runs of whitespace counting as one. A value that is only
part of a word does not count.

Memory is bounded: at most ``items`` reads per trace (oldest forgotten first), at
most ``traces`` traces (least recently used forgotten first), and a trace quiet for
``ttl`` seconds is forgotten. Forgetting fails closed: a value no longer remembered
no longer vouches for anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import re2

from immuno.policy.spec import Source

# Phrases that address the reader with a request or an order. Text that carries them
# is not "clean": a value it supplies may be what an attacker wants the agent to use.
INSTRUCTION_CUES = (
    r"\b(?:ignore|disregard|forget|override)\b",
    r"\b(?:please|kindly)\b",
    r"\b(?:you|assistant|agent|ai)\s+(?:must|should|need to|have to|are required to)\b",
    r"\b(?:make sure|be sure|remember|don'?t forget)\s+to\b",
    r"\binstead\b",
    r"\b(?:do not|don'?t|never)\s+(?:tell|inform|mention|notify|ask)\b",
    r"\bnew\s+(?:instructions?|task|rules?)\b",
    r"\bbefore\s+(?:you|continuing|completing|finishing|answering)\b",
    r"\b(?:important|urgent|attention)\s*[!:]",
    r"\b(?:could|can|would|will)\s+you\b",
    # an imperative opening a line, a sentence or a clause: "Pay 9,900 to ...",
    # "To display it, open ..."
    r"(?:^|[.!?:,;]\s+)(?:transfer|pay|wire|send|forward|delete|remove|share|run|execute|"
    r"invite|email|reply|click|visit|open|download|upload|grant|add)\s",
)
_CUES = re2.compile("(?im)" + "|".join(f"(?:{cue})" for cue in INSTRUCTION_CUES))
_TOKEN = re.compile(r"[^\s\"'`<>()\[\]{};|]+")
_EDGE = ".,:;!?*"
_SPACE = re.compile(r"\s+")
MAX_READ_CHARS = 65_536  # of one read, indexed; a value past it vouches for nothing
_GROUP = 6  # "DE89 3704 0044 ...": short alphanumeric groups printed apart ...
_GROUPS = 12  # ... are also indexed joined, up to this many in a row


# Text that hides characters (zero-width, bidi, tags) or mixes scripts inside a word
# (a Cyrillic "е" in "Please") is disguised; disguised text vouches for nothing.
_HIDDEN = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\U000e0000-\U000e007f]")
_MIXED_WORD = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*[\u0370-\u03ff\u0400-\u04ff])\w+")


def carries_instructions(text: str) -> bool:
    if not text.isascii():
        if _HIDDEN.search(text) is not None or _MIXED_WORD.search(text) is not None:
            return True
        text = unicodedata.normalize("NFKC", text)  # full-width and styled letters
    return _CUES.search(text) is not None


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> set[str]:
    """The words of a normalised text, plus the forms a value may take when quoted:
    ``2,450`` also as ``2450``, and groups printed apart (``DE89 3704 0044``) joined."""
    found: set[str] = set()
    run: list[str] = []
    for raw in _TOKEN.findall(text):
        token = raw.strip(_EDGE)
        if not token:
            continue
        found.add(token)
        if "," in token and any(c.isdigit() for c in token):
            found.add(token.replace(",", ""))  # 2,450 -> 2450
        if len(token) <= _GROUP and token.isalnum():
            run.append(token)
            if raw == token:
                continue  # punctuation after a group ends the run
        _join_groups(run, found)
        run = []
    _join_groups(run, found)
    return found


def _join_groups(run: list[str], found: set[str]) -> None:
    if len(run) < 2 or not any(c.isdigit() for c in "".join(run)):
        return
    for start in range(len(run) - 1):
        joined = run[start]
        for group in run[start + 1 : start + _GROUPS]:
            joined += group
            found.add(joined)


@dataclass
class _Read:
    level: Source
    compact: str
    tokens: set[str]


@dataclass
class TraceReads:
    """The reads of one agent in one trace."""

    limit: int
    touched: float = 0.0
    reads: deque[_Read] = field(default_factory=deque)
    # token -> how many remembered reads at or above the level carry it (ANY: all reads)
    index: dict[Source, Counter[str]] = field(
        default_factory=lambda: {level: Counter() for level in Source}
    )
    _joined: dict[Source, str | None] = field(default_factory=lambda: dict.fromkeys(Source))
    tainted: bool = False  # it has read untrusted content (for the rest of the trace)

    def add(self, text: str, level: Source) -> None:
        norm = normalize(text[:MAX_READ_CHARS])
        read = _Read(level, _SPACE.sub(" ", norm), tokens(norm))
        self.reads.append(read)
        self._file(read, +1)
        if level is not Source.TRUSTED:
            self.tainted = True
        while len(self.reads) > self.limit:
            self._file(self.reads.popleft(), -1)

    def _file(self, read: _Read, delta: int) -> None:
        for level in Source:
            if read.level >= level:
                counter = self.index[level]
                counter.update(dict.fromkeys(read.tokens, delta))
                if delta < 0:
                    for token in read.tokens:
                        if counter[token] <= 0:
                            del counter[token]
                self._joined[level] = None

    def has(self, value: str, level: Source) -> bool:
        """Does ``value`` appear in reads at ``level`` or above? (``any``: no requirement.)"""
        return level is Source.ANY or self.contains(value, level)

    def contains(self, value: str, level: Source) -> bool:
        """Does ``value`` appear in remembered reads at ``level`` or above?

        A one-word value must be a word of a read (one set lookup); a value with spaces
        must appear in a read as whole words, runs of whitespace counting as one.
        """
        norm = normalize(value).strip()
        if not norm or norm in self.index[level]:
            return True
        if not _SPACE.search(norm):
            return False
        joined = self._joined[level]
        if joined is None:
            joined = "\x00".join(r.compact for r in self.reads if r.level >= level)
            self._joined[level] = joined
        return _has_words(joined, _SPACE.sub(" ", norm))


def _has_words(text: str, phrase: str) -> bool:
    """``phrase`` occurs in ``text`` not glued to a letter or digit on either side."""
    start = text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        start = text.find(phrase, start + 1)
    return False


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


class FlowTracker:
    """Reads per (agent, trace), bounded and expiring, on the injected clock."""

    def __init__(self, clock: Callable[[], float], *, ttl: float, items: int, traces: int) -> None:
        self.clock = clock
        self.ttl = ttl
        self.items = items
        self.max_traces = traces
        self._traces: OrderedDict[tuple[str, str], TraceReads] = OrderedDict()

    def __len__(self) -> int:
        return len(self._traces)

    def get(self, agent: str, trace: str | None) -> TraceReads | None:
        key = (agent, trace or "")
        reads = self._traces.get(key)
        if reads is None:
            return None
        if self.clock() - reads.touched > self.ttl:
            del self._traces[key]
            return None
        return reads

    def record(self, agent: str, trace: str | None, text: str, level: Source) -> None:
        now = self.clock()
        key = (agent, trace or "")
        reads = self.get(agent, trace)
        if reads is None:
            reads = self._traces[key] = TraceReads(limit=self.items, touched=now)
            self._expire(now)
        self._traces.move_to_end(key)
        reads.touched = now
        reads.add(text, level)

    def _expire(self, now: float) -> None:
        while len(self._traces) > self.max_traces:
            self._traces.popitem(last=False)
        # The least recently used trace is first: drop the expired ones from the front.
        while self._traces:
            key, oldest = next(iter(self._traces.items()))
            if now - oldest.touched <= self.ttl:
                break
            del self._traces[key]
