"""Which parts of an untrusted read give the agent instructions or announce a change.

Three cue families, each with its own reach:

``STRONG_CUES`` (the whole read)
    Text that addresses the model, overrides its instructions or asks for secrecy
    ("ignore previous instructions", "Assistant:", "do not tell the user"), and text
    in disguise (hidden characters, a Cyrillic letter inside a Latin word). Such a read
    is an attack on the agent; nothing in it vouches for anything.

``REQUEST_CUES`` (the sentence, and the neighbours it reaches)
    Ordinary requests: "please", "could you", "make sure to", "I'd appreciate it if",
    what "the assistant" does ("the assistant opens that link daily"), an obligation in
    the passive ("bookings are to be confirmed through ..."), an imperative opening a
    sentence or clause ("Pay 9,900 to ..."). Polite mail is full of
    them, so a request makes unclean only: its own sentence; the sentence right after
    when on the same line or when the request runs on into the next line (a line that
    ends mid-sentence: hard-wrapped text); everything after a request that points
    forward ("below", "the following", a closing colon); and the sentence right before
    when it runs on into the request or the request points back at it ("Please use
    it"). "Please find / note / be advised" only draws attention and is no request.

``CHANGE_CUES`` (the sentence and everything after it)
    Change notices, the business-email-compromise pattern: a payment detail, address,
    recipient, endpoint, booking or attendee list that changed, moved, was replaced,
    upgraded or retired; something "new" or "different" ("our new account"); what holds
    "from now on", "going forward", "effective 1 December"; status ("is obsolete", "no
    longer valid") and disowned provenance ("is unsigned", "is not the official one");
    additions ("also invite", "join as well", "always cc", "standing attendees"); and
    routing ("statements go there", "refunds are settled to",
    "documents are mirrored to", "handled by"). A notice introduces the new details
    after it, often lines later, so it reaches to the end of the read (and back one
    sentence when it points back: "XK05 ... This is our new account.").

A sentence is cut at ``.``, ``!`` or ``?`` followed by a space, and at every line
break; a header or list line ("From: ...", "- item") is a record of its own. A value
named anywhere unclean is unclean in the whole read, even where it is repeated in a
plain line: an attacker who writes the text can plant it there too. When in doubt the
rules err towards unclean.

Cues are looked for through identifier joins: an underscore counts as a space for all
three families ("External_Ignore", "please_send"), and for strong cues a word joined
in camel case is split off too ("ignoreAllPrevious", "doNotTell"). Camel case is not
split for the other families: brand names ("PayPal", "SendGrid") would read as
imperatives. The price, paid on purpose: code that names ``ignoreCase`` or
``newTask`` is read as addressing the model.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, NamedTuple

import re2

STRONG_CUES = (
    r"\b(?:ignore|disregard|override)\b",
    r"\bforget\s+(?:all|everything|any|your|the|previous|prior|earlier|above)\b",
    r"\b(?:assistant|agent|ai|llm|chatbot|copilot)s?\s+(?:must|should|needs?\s+to|has\s+to|"
    r"have\s+to|is\s+required\s+to|are\s+required\s+to)\b",
    r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    r"(?:ai|assistant|agent|llm|chatbot)s?\b",
    r"\b(?:dear|hey|hi|hello|attention)\s+(?:the\s+)?(?:ai|assistant|agent|llm|chatbot)s?\b",
    r"\byou,?\s+the\s+(?:ai|assistant|agent|llm|chatbot)\b",
    r"(?:^|[.!?:]\s+)(?:ai|assistant|agent|system|llm)\s*:",
    r"\bnew\s+(?:instructions?|task|rules?|directives?|objective|goal)\b",
    r"\b(?:system|developer)\s+(?:prompt|message|instructions?|override)\b",
    r"\b(?:do\s+not|don'?t|never)\s+(?:tell|inform|mention|notify|alert|reveal|disclose)\b",
    r"</?\s*(?:information|instructions?|system|important|admin|assistant)\s*>",
    # a chat template's own markers: "<|system|>", "<|im_start|>", "[INST]", "<<SYS>>"
    # (underscores are read as spaces, see below)
    r"<\|\s*/?[a-z_ ]{2,30}\|>|\[/?inst\]|<</?sys>>|</?(?:start|end)[_ ]of[_ ]turn>",
)

REQUEST_CUES = (
    # "please find / note / be advised" only draws attention (group info: not a request)
    r"\b(?:please|kindly|pls|plz)\b(?:\s+(?P<info>find|note|be\s+advised|be\s+aware)\b)?",
    r"\b(?:you|u)\s+(?:must|should|need\s+to|have\s+to|are\s+required\s+to|will\s+need\s+to)\b",
    r"\b(?:make\s+sure|be\s+sure|remember|don'?t\s+forget|do\s+not\s+forget)\s+to\b",
    r"\binstead\b",
    r"\b(?:important|urgent|attention|action\s+required|reminder)\s*[!:]",
    r"\b(?:could|can|would|will)\s+you\b",
    r"\b(?:need|want|ask|request|require)s?\s+you\s+to\b",
    r"\b(?:i|we)(?:'d|\s+would)\s+(?:appreciate|like|love)\b|\bappreciate\s+it\s+if\b",
    # an obligation in the passive: "all bookings are to be confirmed through ..."
    r"\b(?:should|must|shall|are\s+to|is\s+to|needs?\s+to|has\s+to|have\s+to)\s+"
    r"(?:now\s+|also\s+|always\s+)?be\s+[a-z]+(?:ed|en|t)\b",
    # what "the assistant" does: a human one too, so the sentence only
    r"\b(?:the|your|this)\s+(?:ai\s+)?(?:assistant|chatbot|copilot)s?\s+(?:keeps|opens|sends|"
    r"visits|checks|forwards|pays|shares|will|can|may|is\s+(?:to|expected|asked|supposed))\b",
    r"\bbefore\s+(?:you|continuing|completing|finishing|answering|proceeding)\b",
    # an imperative opening a line, a sentence or a clause: "Pay 9,900 to ...",
    # "To display it, open ..." (group verb: the cue starts there)
    r"(?:^|[.!?:,;\x{2013}\x{2014}-]\s+)(?P<verb>transfer|pay|wire|send|forward|delete|remove|share|run|execute|invite|"
    r"e-?mail|reply|click|visit|open|download|upload|grant|add|use|cancel|book|update|change|"
    r"call|contact|approve|include|copy|cc|move|enter|install|go\s+to)\s",
)

# The same families in German, French, Spanish, Italian and Portuguese: closed-class
# words (the "please" of each language, a modal question addressed to the reader, the
# formal imperative where its form gives it away) and the override vocabulary. They
# are one signal among others, like the English lists: detection scores the read too.
STRONG_CUES_I18N = (
    r"\b(?:ignorier(?:e|en|t)?|missachte(?:n)?|vergiss|ignorez|ignorer|oubliez|oublie|"
    r"ignora(?:re|te|d)?|olvida(?:r|d)?|olvide(?:n)?|dimentica(?:re|te)?|esque(?:ça|cer|çam))\b",
    r"\b(?:anweisungen|instruktionen|befehle|consignes|instructions|instrucciones|"
    r"istruzioni|instruções|indicaciones)\s+(?:\pL+\s+)?(?:vorherigen?|bisherigen?|obigen?|"
    r"précédentes|antérieures|ci-dessus|anteriores|previas|precedenti|anteriori|prévias)\b",
    r"\b(?:vorherigen?|bisherigen?|obigen?)\s+(?:anweisungen|instruktionen|befehle|regeln)\b",
    r"\b(?:neue|nouvelles?|nuevas?|nuov[ae]|novas?)\s+(?:anweisungen|aufgabe|regeln|"
    r"instructions|consignes|tâche|instrucciones|tarea|reglas|istruzioni|compito|regole|"
    r"instruções|tarefa|regras)\b",
    r"\b(?:sag(?:en\s+sie)?\s+(?:dem\s+)?(?:nutzer|benutzer|kunden)\s+nichts|"
    r"ne\s+(?:le\s+)?dites\s+rien|no\s+(?:le\s+)?(?:digas|diga|informes|informe)|"
    r"non\s+(?:dire|dirlo|informare)|não\s+(?:conte|diga|informe))\b",
)
REQUEST_CUES_I18N = (
    r"\b(?:bitte|veuillez|s'il\s+(?:vous|te)\s+pla[iî]t|merci\s+de|por\s+favor|"
    r"per\s+favore|si\s+prega\s+di|favor\s+de|fa[çc]a\s+o\s+favor)\b",
    r"\b(?:k[öo]nnten|k[öo]nnen|w[üu]rden)\s+sie\b|\b(?:pourriez|pouvez)-vous\b|"
    r"\b(?:podr[íi]as?|puedes|puede\s+usted|potresti|potrebbe|potete|pu[òo]\s+|"
    r"voc[êe]\s+(?:pode|poderia)|poderia)\b",
    r"\b(?:sie\s+m[üu]ssen|vous\s+devez|usted\s+debe|debe(?:s)?\s+usted|devi|deve\s+|"
    r"voc[êe]\s+deve)\b",
    # the formal imperative opening a sentence: "Öffnen Sie ...", "Ouvrez ..."
    r"(?:^|[.!?:;]\s+)(?P<verb_de>\pL+en\s+sie)\b",
    r"(?:^|[.!?:;]\s+)(?P<verb_fr>\pL{3,}ez)\s",
    # one word, or a word and a pronoun, then an address: "Fetch https://...", "Load
    # https://...", "Öffne https://...", "Abra www..." (a label has its colon: "Web:
    # https://..." is a record, no request)
    r"(?:^|[.!?;]\s+)(?P<verb_any>\pL[\pL'-]*(?:\s+(?:sie|vous|du|tu|usted|ustedes|voi|"
    r"voc[êe]|please|bitte|now|jetzt|maintenant|ahora|ora|agora))?)\s+"
    r"(?:https?://|www\.|[\w.+-]+@[\w-]+\.)",
)

_DETAIL = (
    r"(?:bank|banking|account|iban|sort\s+code|routing|swift|bic|payment|remittance|billing|"
    r"invoicing|payee|beneficiary|address|office|premises|location|e-?mail|mailbox|domain|"
    r"contact|recipient|phone|mobile|number|endpoint|url|link|portal|server|website|site|"
    r"webhook|booking|reservation|flight|gate|departure|schedule|itinerary|venue|room|"
    r"attendee|invitee|participant|guest\s+list|invite\s+list|distribution\s+list|details)s?"
)
_CHANGED = (
    r"(?:change[ds]?|changing|moved|moving|updated?|updating|replaced|switched|migrated|"
    r"migrating|relocated|relocating|retired|retiring|deprecated|discontinued|withdrawn|"
    r"superseded|supersedes|replaces|closed|frozen|suspended|redirected|rerouted|rescheduled|"
    r"rebooked|reissued|reassigned|corrected|amended|outdated|obsolete|expired|invalid|"
    r"inactive|blocked|compromised|upgraded|downgraded|swapped|lapsed|taken\s+over)"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_WHEN = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+\d|\d{{4}}-\d\d-\d\d)"
_NEW = (
    r"(?:bank|banking|account|iban|sort\s+code|routing|payment|remittance|payee|beneficiary|"
    r"address|office|premises|location|e-?mail\s+address|domain|contact|recipient|phone|"
    r"number|mobile|endpoint|url|link|portal|server|website|webhook|venue|attendees?|"
    r"invitees?|details|supplier|vendor|e-?mail(?:\s+is|\s*:)|policy|process|procedure)"
)
_GENUINE = (
    r"(?:the\s+|an?\s+)?(?:official|signed|verified|genuine|authentic|real|release|approved|"
    r"authori[sz]ed)"
)
CHANGE_CUES = (
    # a detail that changed, in either order: "our banking details changed",
    # "schedule change", "we switched banks", "the old domain is being retired"
    rf"\b{_DETAIL}\b[^\n]{{0,40}}?\b{_CHANGED}\b",
    rf"\b{_CHANGED}\b[^\n]{{0,40}}?\b{_DETAIL}\b",
    rf"\b(?:new|different|another|alternative|replacement|updated|corrected|separate)\s+"
    rf"(?:[a-z]+\s+)?{_NEW}\b",
    r"\b(?:replaces|supersedes|(?:replaced|superseded)\s+by|in\s+place\s+of)\b",
    rf"\b(?:old|previous|former|outdated|obsolete|original)\s+{_DETAIL}\b",
    r"\b(?:following|after|due\s+to)\s+(?:the\s+|our\s+|a\s+)?(?:merger|acquisition|rebrand|"
    r"rebranding|restructuring|reorgani[sz]ation|migration|takeover)\b",
    r"\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:now\s+)?(?:obsolete|void|superseded|"
    r"withdrawn|discontinued|deprecated|retired|invalid|outdated)\b",
    r"\b(?:we|i|they|company|firm|office|team)\s+(?:have\s+|'ve\s+|has\s+|had\s+|are\s+|'re\s+)?"
    r"(?:moved|relocated|rebranded|switched\s+banks?|changed\s+banks?)\b",
    rf"\b{_DETAIL}\s+(?:is|are)\s+now\b",
    # provenance disowned: "the branch head is unsigned and is not the release build"
    rf"\b(?:(?:is|are|was|were)\s+(?:now\s+|still\s+)?(?:unsigned|unverified|unofficial|"
    rf"unauthori[sz]ed|not\s+{_GENUINE})|(?:is|are|was|were)n['\x{{2019}}]?t\s+{_GENUINE})\b",
    r"\bnow\s+(?:sells?|goes?|go|lives?|located|hosted|handled|processed|collected|payable|"
    r"managed|uses?|at|via|under|through)\b",
    r"\b(?:from\s+now\s+on|going\s+forward|moving\s+forward|in\s+(?:the\s+)?future|henceforth|"
    r"hereafter|until\s+further\s+notice|with\s+(?:immediate\s+)?effect|"
    r"effective\s+(?:immediately|today|from|as\s+of|on)|as\s+of\s+(?:today|now|next|this)|"
    r"no\s+longer)\b",
    rf"\b(?:effective|as\s+of|starting|beginning|with\s+effect\s+from)\s+(?:on\s+)?{_WHEN}",
    # additions: someone or something included as well, or from here on
    r"\balso\s+(?:invite|add|include|cc|bcc|copy|send|forward|share|notify|loop\s+in|pay|"
    r"e-?mail|book)\b",
    r"\b(?:always|by\s+default|automatically)\s+(?:cc|bcc|copy|include|invite|send|forward|"
    r"add|use|pay|share|notify|mirror|sync)\b",
    r"\balso\s+(?:attend|join|be\s+(?:invited|included|added|copied|cc'?d|paid)|receive)\b",
    r"\b(?:join|attend|be\s+(?:invited|included|added|copied|cc'?d))\s+(?:as\s+well|too)\b",
    r"\b(?:needs?|has|have)\s+to\s+be\s+(?:on|added|invited|included|copied|cc'?d|sent|paid)\b",
    r"\bstanding\s+(?:attendees?|invitees?|participants?|guests?|orders?|instructions?|rules?|"
    r"recipients?|members?)\b",
    # routing: where things go
    r"\b(?:go|goes|should\s+go|must\s+go|to\s+go)\s+(?:to|there|via|through)\b",
    r"\b(?:mirrored|synced|synchronised|synchronized|replicated|redirected|rerouted|routed|"
    r"settled|remitted|collected|diverted|forwarded)\s+(?:to|through|via|into|at)\b",
    r"\b(?:is|are|gets?|get|being)\s+(?:sent|uploaded|posted|delivered|pushed|exported|"
    r"published|streamed|backed\s+up|copied|shared|forwarded|reported|submitted|filed|logged|"
    r"synced|mirrored)\s+(?:to|into|through|via)\b",
    r"\b(?:handled|processed|managed|covered|dealt\s+with)\s+by\b",
    r"\b(?:remit|remitted|payable)\s+(?:in\s+advance\s+)?(?:to|into|via)\b",
    r"\b(?:must|should)\s+(?:now\s+)?use\b",
    r"\b(?:should|must|will|are\s+to|is\s+to)\s+(?:now\s+)?be\s+(?:sent|paid|made|directed|"
    r"addressed|transferred|wired|remitted|forwarded|uploaded|shared)\s+(?:to|via|through|"
    r"into)\b",
)


_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20  # the union of every family is large: keep it on the DFA


def _compile(cues: tuple[str, ...]) -> Any:
    return re2.compile("(?im)" + "|".join(f"(?:{cue})" for cue in cues), _OPTIONS)


_STRONG = _compile(STRONG_CUES + STRONG_CUES_I18N)
_REQUEST = _compile(REQUEST_CUES + REQUEST_CUES_I18N)
_CHANGE = _compile(CHANGE_CUES)
_ANY = _compile(STRONG_CUES + STRONG_CUES_I18N + REQUEST_CUES + REQUEST_CUES_I18N + CHANGE_CUES)
_INFO = _REQUEST.groupindex["info"]
# where an imperative's cue starts: at its verb, after the sentence break before it
_VERBS = tuple(i for name, i in _REQUEST.groupindex.items() if name.startswith("verb"))
# A request that points back at the sentence before it, or forward past the next one.
_BACK = _compile((r"\b(?:it|this|these|those|them|there|same|the\s+above)\b",))
_FORWARD = _compile((r"\b(?:below|following|as\s+follows|hereunder)\b",))
# A sentence: from a non-space character to the end of the first stop after it (a full
# stop, "!" or "?", and closing quotes, before a space; one right at its start counts
# only from its second character), or to the end of its line. Runs of stop characters
# that are no stop are stepped over in the loop.
_SENTENCE = re.compile(
    r"\S[^\n.!?]*(?:(?:[.!?]+(?![\"')\]]*(?:\s|\Z)))+[^\n.!?]*)*"
    r"(?:[.!?]+[\"')\]]*(?=\s|\Z))?"
)
_TERMINAL = re.compile(r"[.!?][\"')\]]*$")
_OPEN_END = re.compile(
    r"(?:[,;:&+-]|\b(?:to|the|a|an|of|for|and|or|at|in|on|with|from|by|is|are|was|your|our|"
    r"my|their|this|that|into|via|as|than|then|but|if|please|kindly))\s*$",
    re.IGNORECASE,
)
_RECORD = re.compile(r"\s*(?:[-*\u2022]|\d{1,3}[.)]|\w[\w .'/-]{0,30}:)\s")

# Text that hides characters (zero-width, bidi, tags) or mixes scripts inside a word
# (a Cyrillic "е" in "Please") is disguised; disguised text vouches for nothing.
_HIDING = "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\U000e0000-\U000e007f"
_GREEK_CYRILLIC = "\u0370-\u03ff\u0400-\u04ff"
_HIDDEN = re.compile(f"[{_HIDING}]")
_MIXED_WORD = re.compile(rf"\b(?=\w*[A-Za-z])(?=\w*[{_GREEK_CYRILLIC}])\w+")
# a character either of the two needs: one scan of the text finds most have none
_SUSPECT = re.compile(f"[{_HIDING}{_GREEK_CYRILLIC}]")


# "ignoreAll": a lower-case letter, then a capital that starts a word (found with re2,
# quick on text that has none; split with re, which can insert at a lookaround)
_CAMEL_FOUND = re2.compile(r"[a-z][A-Z][a-z]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "_": " "})


def _unjoined(text: str) -> str:
    """``text`` with underscores read as spaces and typographic apostrophes as ``'``
    ("Don’t tell", "S’il vous plaît"): the same length, so offsets hold."""
    if "_" in text or "\u2019" in text or "\u2018" in text or "\u02bc" in text:
        return text.translate(_APOSTROPHES)
    return text


def _words(text: str) -> str:
    """``text`` in NFKC form (case kept), underscores read as spaces."""
    return _unjoined(text if text.isascii() else unicodedata.normalize("NFKC", text))


def _subject(text: str) -> str | bytes:
    """What re2 is given: ASCII text as bytes, whose offsets are those of the
    characters. Given a str, the re2 module encodes it on every call and maps every
    match's UTF-8 offsets back to characters, which costs more than the search."""
    return text.encode("ascii") if text.isascii() else text


def _strong(words: str, cues: Any = _STRONG) -> bool:
    """A match of ``cues`` (strong cues or more) in ``words`` (:func:`_words`), or a
    strong cue once words joined in camel case are split."""
    subject = _subject(words)
    return cues.search(subject) is not None or _camel_strong(words, subject)


def _camel_strong(words: str, subject: str | bytes) -> bool:
    """A strong cue once words joined in camel case are split (``subject``: ``words``
    as :func:`_subject` gives it)."""
    found = _CAMEL_FOUND.search(subject) is not None
    return found and _STRONG.search(_subject(_CAMEL.sub(" ", words))) is not None


def normalize(text: str) -> str:
    if text.isascii():
        return text.lower()  # NFKC leaves ASCII alone; casefold is lower there
    return unicodedata.normalize("NFKC", text).casefold()


def disguised(text: str) -> bool:
    if text.isascii() or _SUSPECT.search(text) is None:
        return False
    return _HIDDEN.search(text) is not None or _MIXED_WORD.search(text) is not None


def carries_instructions(text: str) -> bool:
    """Does any part of ``text`` carry a cue of any family (or a disguise)?"""
    return disguised(text) or _strong(_words(text), _ANY)


def carries_strong_cue(text: str) -> bool:
    """Does ``text`` address the model or hide characters? (For code, where requests and
    imperatives are everywhere and mean nothing.)"""
    return disguised(text) or _strong(_words(text))


class Segment(NamedTuple):  # a tuple: a read has dozens, made quickly
    start: int
    end: int
    line: int
    runs_on: bool  # the last of its line, and the sentence goes on in the next line


@dataclass(frozen=True)
class Judged:
    """A read (NFKC) cut into sentences; ``unclean`` are the indexes that are not clean
    (all of them when ``whole``)."""

    text: str
    segments: tuple[Segment, ...]
    unclean: frozenset[int]
    whole: bool = False

    @property
    def clean(self) -> bool:
        return not self.whole and not self.unclean

    @property
    def norm(self) -> str:
        return self.text.casefold()

    def parts(self) -> tuple[str, str]:
        """The clean text (unclean sentences replaced by a NUL) and the unclean text,
        case-folded like :func:`normalize`."""
        clean: list[str] = []
        dirty: list[str] = []
        for i, seg in enumerate(self.segments):
            piece = self.text[seg.start : seg.end]
            (dirty if i in self.unclean else clean).append(piece)
            if i in self.unclean:
                clean.append("\x00")
        return " ".join(clean).casefold(), "\x00".join(dirty).casefold()


def segments(text: str) -> tuple[Segment, ...]:
    """The sentences of ``text`` (see :func:`sentence_spans`), each with its line and
    whether it runs on into the next line, found in one scan of the whole text."""
    spans = [match.span() for match in _SENTENCE.finditer(text)]
    found: list[Segment] = []
    lines: list[int] = []  # the line of each sentence (none spans a line break)
    number = previous = 0
    for start, end in spans:
        number += text.count("\n", previous, start)
        lines.append(number)
        found.append(Segment(start, end, number, False))
        previous = start
    # the last sentence of each line may run on into the next line with text
    for i, (start, end) in enumerate(spans):
        line = lines[i]
        if i + 1 < len(spans) and lines[i + 1] == line:
            continue
        following = text[spans[i + 1][0]] if i + 1 < len(spans) else ""
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if _runs_on(text[start:end], text, line_start, line_end, following):
            found[i] = Segment(start, end, line, True)
    return tuple(found)


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """The sentences of one line, as ``(start, end)``: each from a non-space character
    to the end of the first stop after that character (or to the end of the line)."""
    return [match.span() for match in _SENTENCE.finditer(line)]


def _runs_on(sentence: str, text: str, line_start: int, line_end: int, following: str) -> bool:
    """Does the last sentence of its line (``text[line_start:line_end]``) go on in the
    next line with text, which starts with ``following``: hard-wrapped prose ("... the
    amount to" / "XK05 ...") or an introduction ("... as follows:")? A header or list
    line ("From: ...", "- item") and a finished sentence are records of their own."""
    # the checks look at the end only: a search anchored at $ scans every position
    end = sentence[-24:]
    if _TERMINAL.search(end) or _RECORD.match(text, line_start, line_end):
        return False
    return _OPEN_END.search(end) is not None or following[:1].islower() or following[:1] in "([\"'"


def judge(raw: str) -> Judged:
    """Cut an untrusted read into sentences and say which are unclean (see module doc).
    ``Judged.text`` is the read in NFKC form (``Judged.norm`` also case-folded)."""
    text = unicodedata.normalize("NFKC", raw)  # case kept: it tells wrapped lines apart
    words = _unjoined(text)  # where the cues are looked for
    if disguised(raw):
        return Judged(text, (), frozenset(), whole=True)
    subject = _subject(words)
    if _ANY.search(subject) is None:
        # no cue of any family (strong ones included): one scan for the common read
        return Judged(text, (), frozenset(), whole=_camel_strong(words, subject))
    if _strong(words):
        return Judged(text, (), frozenset(), whole=True)
    segs = segments(text)
    starts = [s.start for s in segs]
    unclean: set[int] = set()
    tail = len(segs)  # everything from here on is unclean
    seen: set[tuple[int, int, bool]] = set()
    for pattern, onward in ((_CHANGE, True), (_REQUEST, False)):  # notices set the tail
        for match in pattern.finditer(subject):
            if pattern is _REQUEST and match.start(_INFO) >= 0:
                continue  # "please find below": attention, not a request
            # the imperative's group starts at its verb, after the sentence break
            verb = max(match.start(i) for i in _VERBS) if pattern is _REQUEST else -1
            begin = verb if verb >= 0 else match.start()
            first = max(0, bisect_right(starts, begin) - 1)
            last = max(first, bisect_right(starts, match.end() - 1) - 1)
            if first >= tail:
                break  # matches come in order: the rest are past the tail already
            if (first, last, onward) not in seen:
                seen.add((first, last, onward))
                tail = min(tail, _mark(segs, text, first, last, onward, unclean))
    unclean.update(range(tail, len(segs)))
    return Judged(text, segs, frozenset(unclean))


def _mark(
    segs: tuple[Segment, ...], text: str, first: int, last: int, onward: bool, out: set[int]
) -> int:
    """Mark the sentences a cue spanning ``first``..``last`` makes unclean; return
    where its onward reach starts (``len(segs)``: none)."""
    head, cue = segs[first], segs[last]
    body = text[head.start : cue.end]
    out.update(range(first, last + 1))
    if first > 0:
        before = segs[first - 1]
        if before.runs_on or _BACK.search(_subject(body)):
            out.add(first - 1)
    if onward or body.rstrip().endswith(":") or _FORWARD.search(_subject(body)):
        return last + 1
    if last + 1 < len(segs) and (segs[last + 1].line == cue.line or cue.runs_on):
        out.add(last + 1)
    return len(segs)
