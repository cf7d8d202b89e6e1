"""Extra training rows that stop the model learning shortcuts instead of attacks.

Poisoned documents are their clean twin with one attack inserted, tool-response
templates repeat around an instruction, and tables repeat their layout; without
these rows a table border, a template's JSON or the seam of an insertion would read
as "attack". Every extra row is derived from the rows passed in, so leaving a
family out of those rows leaves it out of the extras too.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from typing import Any

import yaml


def insertions(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, int]]:
    """Poisoned documents whose clean twin is in the same split, each with the range
    ``[start, end)`` of its text that was inserted into the twin: the attack."""
    clean: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row["label"] == "benign" and row["channel"] == "tool":
            clean.setdefault((row["source"], row["text"][:40]), []).append(row["text"])
            clean.setdefault((row["source"], row["text"][-40:]), []).append(row["text"])
    found = []
    for row in rows:
        twin_source = _twin_source(row)
        if twin_source is None:
            continue
        text = row["text"]
        candidates = clean.get((twin_source, text[:40]), []) + clean.get(
            (twin_source, text[-40:]), []
        )
        for twin in candidates:
            head = len(_common_prefix(text, twin))
            tail = len(_common_prefix(text[::-1], twin[::-1]))
            tail = min(tail, len(twin) - head)
            if head + tail >= len(twin) - 5 and len(text) - tail > head:
                found.append((row, head, len(text) - tail))
                break
    return found


_HOST = re.compile(r"host source (\S+)")


def _twin_source(row: dict[str, Any]) -> str | None:
    """The source of a poisoned document's clean twin: BIPIA's ``X-poisoned`` comes
    from ``X``; a planted attack names its host in ``license``."""
    if row["label"] != "attack" or row["channel"] != "tool":
        return None
    if row["source"].endswith("-poisoned"):
        return str(row["source"]).removesuffix("-poisoned")
    host = _HOST.search(row.get("license", "")) if row["source"].startswith("derived:") else None
    return host.group(1) if host else None


def inserted_attacks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attack strings inside poisoned documents, as extra positives.

    A poisoned context is its clean twin with one attack inserted, so the difference
    is a clean positive example; the window scores at run time need exactly that.
    With its surroundings only: many inserted attacks ("What is the capital of
    Brazil?") are harmless on their own, outside a document.
    """
    return [
        {**row, "text": row["text"][max(0, start - 150) : end + 150]}
        for row, start, end in insertions(rows)
    ]


# Characters at the seams of an insertion: line breaks, punctuation, fences, bullets.
_SEAM = " \n\t.?!:;,`'\"|()[]{}<>*#-"


def insertion_twins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For every inserted attack, the same document with benign words in its place.

    The words are a sentence of benign tool output; the characters that open and close
    the attack (line breaks, "?", a code fence) are kept. Without these twins the seams
    of an insertion stand for "attack": a table row ending in a "?" cell ("? | ") read
    like a question slipped between two rows.
    """
    pool = benign_sentences(rows)
    extra = []
    for row, start, end in insertions(rows):
        text = row["text"]
        attack = text[start:end]
        lead = attack[: len(attack) - len(attack.lstrip(_SEAM))]
        trail = attack[len(attack.rstrip(_SEAM)) :]
        digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
        words = pool[digest % len(pool)].strip(_SEAM)
        twin = text[:start] + lead + words + trail + text[end:]
        # The whole document, and the same stretch ``inserted_attacks`` cuts out.
        fragment = twin[max(0, start - 150) : start + len(lead + words + trail) + 150]
        extra += [{**row, "label": "benign", "text": t} for t in (twin, fragment)]
    return extra


# Rows of the multilingual corpus (``training/data``, ``build_multilingual.py``).
_OTHER_LANGUAGES = ("manpages-l10n-team/manpages-l10n:", "debian/fortunes:")
PLANTED_ABROAD = "derived:attack-planted-in-other-languages"


def _whole_words(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with an end that falls inside a word moved back to that
    word's start: the shared prefix of a poisoned text and its twin can end inside the
    attack's first word, and the shared suffix begin inside the next one."""
    if 0 < start < len(text) and not text[start - 1].isspace():
        start = max(text.rfind(c, 0, start) for c in " \n\t") + 1
    if 0 < end < len(text) and not text[end].isspace() and not text[end - 1].isspace():
        cut = max(text.rfind(c, start, end) for c in " \n\t")
        end = cut if cut > start else end
    return text[start:end].strip()


def planted_in_other_languages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every benign tool text of the multilingual corpus again with one attack planted
    at a paragraph break: an attack span cut from a poisoned document among ``rows``.

    Without them every text in another language is benign and most attacks are
    English, so the language itself becomes evidence: English leans "attack". With
    them a document in any language is an attack exactly when an instruction was
    slipped into it. ``insertions`` finds their twins like any poisoned document's."""
    attacks = [_whole_words(row["text"], start, end) for row, start, end in insertions(rows)]
    attacks = [attack for attack in attacks if attack]
    if not attacks:
        return []
    planted = []
    for row in rows:
        if row["label"] != "benign" or row["channel"] != "tool":
            continue
        if not row["source"].startswith(_OTHER_LANGUAGES):
            continue
        text = row["text"]
        digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
        breaks = [m.end() for m in re.finditer(r"\n\s*\n", text)] or [len(text)]
        at = breaks[(digest >> 32) % len(breaks)]
        attack = attacks[digest % len(attacks)]
        planted.append(
            {
                **row,
                "label": "attack",
                "text": f"{text[:at]}{attack}\n\n{text[at:]}",
                "source": PLANTED_ABROAD,
                "license": f"host source {row['source']}",
            }
        )
    return planted


def table_variants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two more benign copies of every benign table, each with half of its rows.

    About a fifth of the tool-output attacks hide in a table, but tables are a small share
    of benign tool output, so table syntax itself (" | ") leaned towards "attack" and
    long tables of numbers were blocked.
    """
    extra = []
    for row in rows:
        if row["label"] != "benign" or row["channel"] != "tool":
            continue
        lines = row["text"].splitlines()
        if len(lines) < 5 or not all(line.lstrip().startswith("|") for line in lines[:2]):
            continue
        for part in (lines[1::2], lines[2::2]):
            extra.append({**row, "text": "\n".join([lines[0], *part])})
    return extra


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


TEMPLATED = "uiuc-kang-lab/InjecAgent"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def template_twins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that stop a model learning a tool-response template instead of the
    instruction inside it.

    InjecAgent's poisoned responses are a few templates (a repository listing, a
    product review, ...) with an instruction in one field; in train each template
    holds about ten attacks for every benign filling, so its JSON alone predicts
    "attack". Each attack gets a benign twin, the same template around a sentence
    from benign tool output, and its instruction is added alone as a positive. A
    template's fixed text is what all its benign fillings share.
    """
    fillings: dict[str, list[str]] = {}
    for row in rows:
        if row["source"] == f"{TEMPLATED}:benign-filled":
            fillings.setdefault(row["text"][:30], []).append(row["text"])
    templates = []
    for texts in fillings.values():
        if len(texts) >= 3:
            head = len(_common_prefix(min(texts), max(texts)))
            reversed_texts = [t[::-1] for t in texts]
            tail = len(_common_prefix(min(reversed_texts), max(reversed_texts)))
            templates.append((texts[0][:head], texts[0][len(texts[0]) - tail :]))
    pool = benign_sentences(rows)
    extra = []
    for row in rows:
        text = row["text"]
        if row["source"] != TEMPLATED:
            continue
        for prefix, suffix in templates:
            if (
                text.startswith(prefix)
                and text.endswith(suffix)
                and len(text) > len(prefix + suffix)
            ):
                digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
                filler = pool[digest % len(pool)]
                extra.append({**row, "label": "benign", "text": prefix + filler + suffix})
                extra.append({**row, "text": text[len(prefix) : len(text) - len(suffix)]})
                break
    return extra


# Benign tool output whose sentences fill the twins: emails, tables, text messages.
_PROSE = (
    "microsoft/BIPIA:email",
    "microsoft/BIPIA:table",
    "microsoft/llmail-inject-challenge:emails",
    "uci/sms-spam-collection:ham",
)


def benign_sentences(rows: list[dict[str, Any]]) -> list[str]:
    """Sentences of benign tool output (emails, tables, texts, command docs), 25-220
    chars."""
    found: set[str] = set()
    for row in rows:
        if row["label"] != "benign" or row["channel"] != "tool":
            continue
        if row["source"].startswith(_PROSE):
            pieces = [" ".join(s.split()) for s in _SENTENCE.split(row["text"])]
        elif row["source"] == "tldr-pages/tldr":
            lines = row["text"].splitlines()
            pieces = [line[2:].rstrip(":") for line in lines if line.startswith(("> ", "- "))]
        else:
            continue
        found.update(p for p in pieces if 25 <= len(p) <= 220)
    return sorted(found)


_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
SENTENCES_PER_TEXT = 8


def sentence_negatives(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sentences of benign user texts, as extra negatives.

    Benign prompts in train are long (an instruction with its input), so without these
    the model reads any short request as suspicious: "Tell Owen I will be late." once
    scored like a jailbreak. Up to ``SENTENCES_PER_TEXT`` sentences (12+ chars) of each
    benign text that has more than one.
    """
    extra = []
    for row in rows:
        if row["label"] != "benign":
            continue
        parts = [part.strip() for part in _SPLIT.split(row["text"])]
        parts = [part for part in parts if len(part) >= 12]
        if len(parts) > 1:
            extra += [{**row, "text": part} for part in parts[:SENTENCES_PER_TEXT]]
    return extra


# Structured tool output longer than this is not rendered again (parsing cost).
MAX_STRUCTURED = 16_384


def _structure(text: str) -> Any:
    """The value a JSON document or a Python literal (a dict or list printed with
    ``repr``) holds, as JSON types; None for anything else."""
    stripped = text.strip()
    if len(stripped) > MAX_STRUCTURED or stripped[:1] not in ("{", "["):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        try:
            value = json.loads(json.dumps(ast.literal_eval(stripped)))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, dict | list) and value else None


def format_twins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every structured tool row again in the formats it was not written in: JSON,
    Python literal and YAML, with its label.

    In the corpora the formats follow the families: benign records are JSON, and the
    poisoned tool responses are Python literals, so quote style alone predicted
    "attack", and an injection in a JSON or YAML record (the common case in practice)
    was read with a benign prior. Rendering each record in all three teaches that the
    format carries no evidence."""
    extra = []
    for row in rows:
        if row["channel"] != "tool":
            continue
        value = _structure(row["text"])
        if value is None:
            continue
        renderings = {
            json.dumps(value, ensure_ascii=False),
            repr(value),
            yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1 << 16),
        }
        renderings.discard(row["text"])
        extra += [{**row, "text": text} for text in sorted(renderings)]
    return extra


def training_rows(
    rows: list[dict[str, Any]], channel: str, user_benign: bool = True, formats: bool = False
) -> list[dict[str, Any]]:
    """What one channel's model is fitted on: user texts for ``user``; for ``tool``,
    every tool row and every attack (attacks typed by users also arrive inside tool
    output), and benign user requests only when ``user_benign``: a request addressed
    to the agent is ordinary from the user and the very shape of an injection inside
    a tool's output. ``formats`` adds ``format_twins``."""
    if channel == "user":
        user = [row for row in rows if row["channel"] == "user"]
        return user + sentence_negatives(user)
    rows = rows + planted_in_other_languages(rows)
    extra = inserted_attacks(rows) + insertion_twins(rows) + table_variants(rows)
    found = rows + extra + template_twins(rows)
    if formats:  # measured and not shipped (``training/README.md``)
        found += format_twins(found)
    if user_benign:
        return found
    return [row for row in found if row["channel"] == "tool" or row["label"] == "attack"]
