"""Where an incident's payload can be recovered from.

The threat store keeps only hashes of what it saw (the exact SHA-256 and the payload
fingerprint). The text itself survives in two places:

* the quarantine, which keeps the content detection flagged or stopped (found by the
  signal's id, indexed);
* the audit log, but only with ``audit.store_content: true`` (else it too keeps only
  digests); finding the entry of a signal scans the log, so it is tried last.

A recovered text counts only when its SHA-256 equals the hash the threat store
recorded for that signal, so what becomes a vaccine is exactly what was seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from immuno.audit.entry import decode_entry
from immuno.response.fingerprint import content_hash
from immuno.store.base import Store

MAX_PAYLOADS = 20  # distinct texts one incident can contribute
_SIGNALS_PER_PAYLOAD = 5  # sightings of one text tried before giving up on it
_encode = msgspec.json.Encoder().encode


class Payload(msgspec.Struct, frozen=True, kw_only=True):
    sha256: str
    signal_id: str
    text: str
    source: str  # quarantine | audit log


class Missing(msgspec.Struct, frozen=True, kw_only=True):
    sha256: str
    signal_id: str
    reason: str


def recover(
    store: Store, sightings: Sequence[tuple[str, str]], *, audit_content: bool
) -> tuple[list[Payload], list[Missing]]:
    """The distinct texts behind ``sightings`` ((signal id, content SHA-256) pairs, in
    time order), and the hashes none could be recovered for, with the reason."""
    by_hash: dict[str, list[str]] = {}
    for signal_id, sha in sightings:
        ids = by_hash.setdefault(sha, [])
        if len(ids) < _SIGNALS_PER_PAYLOAD and signal_id not in ids:
            ids.append(signal_id)
        if len(by_hash) > MAX_PAYLOADS:
            del by_hash[sha]
            break
    found: list[Payload] = []
    missing: list[Missing] = []
    for sha, ids in by_hash.items():
        payload = _from_quarantine(store, sha, ids)
        if payload is None and audit_content:
            payload = _from_audit(store, sha, ids)
        if payload is not None:
            found.append(payload)
            continue
        where = (
            "neither in quarantine nor in the audit log"
            if audit_content
            else (
                "not in quarantine (purged, or never held), and the audit log keeps only its"
                " SHA-256 (audit.store_content is off)"
            )
        )
        missing.append(Missing(sha256=sha, signal_id=ids[0], reason=f"its text is {where}"))
    return found, missing


def _from_quarantine(store: Store, sha: str, ids: list[str]) -> Payload | None:
    marks = ", ".join("?" * len(ids))
    rows = store.query(
        f"SELECT signal_id, content FROM detect_quarantine WHERE signal_id IN ({marks})", ids
    )
    for signal_id, text in rows:
        if content_hash(text) == sha:
            return Payload(sha256=sha, signal_id=signal_id, text=text, source="quarantine")
    return None


def _from_audit(store: Store, sha: str, ids: list[str]) -> Payload | None:
    try:
        exists = store.query("SELECT 1 FROM immuno_schema WHERE component = 'audit'")
    except Exception:
        return None
    if not exists:
        return None
    find = "instr(entry, ?) > 0" if store.dialect == "sqlite" else "position(? in entry) > 0"
    for signal_id in ids:
        needle = b'"id":' + _encode(signal_id)
        rows = store.query(
            f"SELECT entry FROM audit_entries WHERE {find} ORDER BY seq DESC LIMIT 1", (needle,)
        )
        if not rows:
            continue
        record = decode_entry(bytes(rows[0][0])).signal
        if record.content is None or record.id != signal_id:
            continue
        text = record.content
        if record.args:
            encoded = _encode(record.args).decode()
            text = f"{text}\n{encoded}" if text else encoded
        if content_hash(text) == sha:
            return Payload(sha256=sha, signal_id=signal_id, text=text, source="audit log")
    return None
