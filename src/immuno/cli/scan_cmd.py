"""``immuno scan`` (JSON lines in, verdicts out) and ``immuno check`` (one signal).

The scan contract, which other programs rely on:

    in : {"id": str, "text": str, "source": "user"|"tool"|"agent"|"memory"}   one per line
    out: {"id": ..., "verdict": "allow"|"flag"|"block", "score": float, "findings": [codes]}
         or {"id": <id or null>, "error": "<what is wrong>"} for a malformed line

One reply per input line, in order, flushed at once; exit 0 when every line parsed,
2 otherwise. ``hold`` and ``quarantine`` are reported as ``block``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import msgspec
import typer

from immuno.cli.options import ConfigOption
from immuno.cli.progress import counted, progress
from immuno.core.action import Action
from immuno.core.config import Config, Thresholds, load_config
from immuno.core.errors import InputError
from immuno.core.known import fields_at, listing
from immuno.core.pipeline import Immune
from immuno.core.signal import parse_signal, signal_for_source


class ScanRequest(msgspec.Struct, forbid_unknown_fields=False):
    id: str
    text: str
    source: Literal["user", "tool", "agent", "memory"]


class ScanReply(msgspec.Struct):
    id: str
    verdict: str
    score: float
    findings: list[str]


class ScanError(msgspec.Struct):
    id: str | None
    error: str


_decode_request = msgspec.json.Decoder(ScanRequest).decode
_decode_any = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


def _reported(action: Action) -> str:
    return action.value if action in (Action.ALLOW, Action.FLAG) else Action.BLOCK.value


def _describe(exc: msgspec.DecodeError, line: bytes) -> tuple[str | None, str]:
    """The id (when it can be read) and a plain statement of what is wrong."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return None, f"not valid UTF-8 (byte {bad.start})"
    try:
        raw = _decode_any(line)
    except msgspec.DecodeError:
        return None, f"not valid JSON: {exc}"
    ident = raw.get("id") if isinstance(raw, dict) else None
    ident = ident if isinstance(ident, str) else None
    message = str(exc)
    if not isinstance(raw, dict):
        return None, "expected a JSON object with id, text and source"
    message = message.replace("Object missing required field", "missing required field")
    message = message.replace(" - at `$.", " at field `")
    if message.startswith("missing required field"):
        message += listing("a line", fields_at(ScanRequest))
    return ident, message


def scan_line(immune: Immune, line: bytes) -> tuple[bytes, bool]:
    """One input line -> one encoded reply, and whether the line parsed."""
    if not line.strip():
        return _encode(ScanError(None, "empty line: expected a JSON object")), False
    try:
        request = _decode_request(line)
    except UnicodeDecodeError as bad:
        return _encode(ScanError(None, f"not valid UTF-8 (byte {bad.start})")), False
    except msgspec.DecodeError as exc:
        ident, problem = _describe(exc, line)
        return _encode(ScanError(ident, problem)), False
    verdict = immune.check(signal_for_source(request.text, request.source))
    reply = ScanReply(
        id=request.id,
        verdict=_reported(verdict.action),
        score=round(verdict.score, 4),
        findings=verdict.codes,
    )
    return _encode(reply), True


def scan_stream(immune: Immune, lines: Iterable[bytes], out: IO[bytes]) -> bool:
    """Answer every line as soon as it is read; True when all lines parsed."""
    all_parsed = True
    for line in lines:
        reply, parsed = scan_line(immune, line.rstrip(b"\r\n"))
        all_parsed &= parsed
        out.write(reply + b"\n")
        out.flush()
    return all_parsed


def _with_threshold(config: Config, threshold: float | None) -> Config:
    if threshold is None:
        return config
    if not 0.0 < threshold <= 1.0:
        raise InputError("--threshold", f"must be in (0, 1], got {threshold}")
    flag = min(config.thresholds.flag, threshold)
    return msgspec.structs.replace(config, thresholds=Thresholds(flag=flag, block=threshold))


def register(app: typer.Typer) -> None:
    @app.command()
    def scan(
        file: Annotated[
            Path | None, typer.Argument(help="JSON lines file; stdin if omitted.")
        ] = None,
        threshold: Annotated[
            float | None, typer.Option(help="Score at or above which a text is blocked.")
        ] = None,
        config: ConfigOption = None,
    ) -> None:
        """Scan JSON lines {id, text, source}; write one verdict line per input line."""
        settings = _with_threshold(load_config(config), threshold)
        out = sys.stdout.buffer
        if file is None:
            immune = Immune(settings)
            ok = scan_stream(immune, iter(sys.stdin.buffer.readline, b""), out)
            raise typer.Exit(0 if ok else 2)
        try:
            handle = file.open("rb")
            size = os.fstat(handle.fileno()).st_size
        except OSError as exc:
            raise InputError(str(file), f"cannot open: {exc.strerror}") from None
        with handle, progress(f"scanning {file.name}", size or None) as bar:
            ok = scan_stream(Immune(settings), counted(handle, bar), out)
        raise typer.Exit(0 if ok else 2)

    @app.command()
    def check(
        file: Annotated[
            Path | None, typer.Argument(help="A signal as JSON; stdin if omitted.")
        ] = None,
        config: ConfigOption = None,
    ) -> None:
        """Check one signal (JSON) and print its verdict (JSON). Exit 1 when it may not
        go ahead as it is (stopped, or only its ``sanitized`` rest may)."""
        settings = load_config(config)
        data = sys.stdin.buffer.read() if file is None else _read(file)
        if not data.strip():
            where = "stdin" if file is None else str(file)
            raise InputError(where, "empty: expected one signal as a JSON object")
        try:
            raw: Any = _decode_any(data)
        except msgspec.DecodeError as exc:
            raise InputError("signal", f"not valid JSON: {exc}") from None
        signal = parse_signal(raw)
        verdict = Immune(settings).check(signal)
        sys.stdout.buffer.write(msgspec.json.format(_encode(verdict)) + b"\n")
        raise typer.Exit(0 if verdict.allowed else 1)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InputError(str(file), f"cannot read: {exc.strerror}") from None
