"""``immuno audit``: verify, prove, export and read the sealed decision log."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

from immuno.audit import (
    AuditError,
    AuditLog,
    Report,
    TamperError,
    TreeHead,
    decode_entry,
    export_lines,
    reader,
    verify_export,
    verify_inclusion,
)
from immuno.audit.forensics import verify_file
from immuno.audit.treehead import head_from_json, head_to_json
from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, print_table
from immuno.cli.progress import Tracker, progress
from immuno.cli.stores import existing_store
from immuno.core.authority import DEFAULT_AUTHORITY_FILE, Authority
from immuno.core.config import Config, load_config
from immuno.core.errors import ConfigError, InputError, NoStore
from immuno.store import Store
from immuno.store.location import redact

KeyOption = Annotated[
    str | None,
    typer.Option("--public-key", help="Pin the authority's Ed25519 public key (64 hex digits)."),
]


def _authority(settings: Config) -> Authority:
    path = settings.store.folder / DEFAULT_AUTHORITY_FILE
    if not path.exists():
        raise ConfigError(str(path), "no authority key here: nothing has been sealed yet")
    return Authority.load(path)


def _store(settings: Config) -> Store:
    return existing_store(settings)


def _log(settings: Config) -> AuditLog:
    audit = settings.audit
    store = _store(settings)
    return AuditLog(
        store,
        _authority(settings),
        store_content=audit.store_content,
        head_every=audit.head_every,
        head_interval=audit.head_interval,
        durability=audit.durability,
    )


def _pinned(public_key: str | None, settings: Config) -> bytes:
    if public_key is None:
        return _authority(settings).public_bytes
    try:
        key = bytes.fromhex(public_key)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InputError("--public-key", "must be 64 hex digits (a raw Ed25519 public key)")
    return key


def _read_head(path: Path) -> TreeHead:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("--head", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError("--head", f"{path} is not UTF-8 text") from None
    try:
        return head_from_json(json.loads(text))
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError("--head", f"{path} is not a saved tree head: {exc}") from None


def head_text(head: TreeHead) -> str:
    when = datetime.datetime.fromtimestamp(head.timestamp_ms / 1000, datetime.UTC)
    return (
        f"signed tree head: size {head.size}, root {head.root.hex()}\n"
        f"  signed {when:%Y-%m-%d %H:%M:%S} UTC by Ed25519 key {head.public_key.hex()}\n"
        f"  signature {head.signature.hex()}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _report_text(report: Report, source: str) -> str:
    lines = [
        f"OK: {source}: {report.size} entries recomputed, root {report.root.hex()}",
        f"  {_count(report.heads, 'signed tree head')} verified, "
        f"covering {report.signed_size} entries",
    ]
    if report.unsigned:
        lines.append(
            f"  {report.unsigned} newest entries are consistent but not yet under a signed "
            "head (`immuno audit head` signs one)"
        )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The tamper-evident log of every decision.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command()
    def verify(
        config: ConfigOption = None,
        export: Annotated[
            Path | None, typer.Option("--export", help="Verify an export file offline instead.")
        ] = None,
        public_key: KeyOption = None,
        witness: Annotated[
            list[Path] | None,
            typer.Option("--head", help="A tree head saved earlier (`immuno audit head --json`)."),
        ] = None,
    ) -> None:
        """Recompute the whole tree and every tree head signature; name the first bad entry."""
        console = Console()
        settings = load_config(config)
        try:
            if export is not None:
                key = _pinned(public_key, settings) if public_key else None
                try:
                    with export.open("rb") as handle:
                        report = verify_export(handle, key)
                except OSError as exc:
                    raise InputError("--export", f"cannot read {export}: {exc.strerror}") from None
                source = str(export) + ("" if key else " (key as announced by the file)")
            else:
                file = settings.store.file
                authority = settings.store.folder / DEFAULT_AUTHORITY_FILE
                if file is not None and not file.exists():
                    if not authority.exists():  # nothing was ever sealed here
                        raise NoStore(str(file))
                    raise TamperError(None, f"{file}: the store is gone")
                if file is None:  # a server store: one without immuno's tables is none yet
                    existing_store(settings).close()
                key = _pinned(public_key, settings)
                saved = [_read_head(path) for path in witness or []]
                with progress("verifying the audit log") as bar:
                    report = verify_file(settings.store.location, key, saved, bar.at)
                source = str(file) if file is not None else redact(settings.store.location)
        except TamperError as exc:
            console.print(
                f"[bold red]TAMPERED[/]: {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(1) from None
        except AuditError as exc:
            shown = escape(str(exc))
            console.print(f"[bold red]NOT VERIFIED[/]: {shown}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        console.print(_report_text(report, source), highlight=False, soft_wrap=True)

    @audit.command()
    def prove(
        seq: Annotated[int, typer.Argument(help="Sequence number of the entry.")],
        config: ConfigOption = None,
    ) -> None:
        """Print an inclusion proof of entry SEQ against a signed tree head (JSON)."""
        log = _log(load_config(config))
        if not 0 <= seq < log.size:
            last = f"0..{log.size - 1}" if log.size else "none: the log is empty"
            raise InputError("seq", f"no entry {seq} in the audit log (entries: {last})")
        head = log.latest_head()
        if head is None or head.size <= seq:
            head = log.sign_head()
        proof = log.inclusion_proof(seq, head.size)
        verify_inclusion(seq, head.size, proof.leaf_hash, proof.path, head.root)
        document = {
            "seq": seq,
            "entry": log.entry(seq).decode(),
            "leaf_hash": proof.leaf_hash.hex(),
            "tree_size": head.size,
            "path": [node.hex() for node in proof.path],
            "root": head.root.hex(),
            "head": {
                "timestamp_ms": head.timestamp_ms,
                "signature": head.signature.hex(),
                "public_key": head.public_key.hex(),
            },
        }
        typer.echo(json.dumps(document, indent=2))

    @audit.command("export")
    def export_(
        config: ConfigOption = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
        ] = None,
    ) -> None:
        """Write every entry and signed tree head as JSON lines, verifiable offline."""
        log = _log(load_config(config))
        head = log.latest_head()
        if head is None or head.size != log.size:
            log.sign_head()  # so the export ends under a signature
        total = 1 + log.size + len(reader.heads(log.store))
        with progress("exporting the audit log", total) as bar:
            if out is None:
                _export(log, sys.stdout.buffer, bar)
                return
            try:
                handle = out.open("wb")
            except OSError as exc:
                raise InputError("--out", f"cannot write {out}: {exc.strerror}") from None
            with handle:
                lines = _export(log, handle, bar)
        typer.echo(f"wrote {lines} lines to {out}; check with: immuno audit verify --export {out}")

    @audit.command()
    def head(
        config: ConfigOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
    ) -> None:
        """Sign a tree head for the log as it is now, and print it (keep it somewhere safe:
        `verify --head` then proves the log still holds everything it covered)."""
        signed = _log(load_config(config)).sign_head()
        typer.echo(json.dumps(head_to_json(signed)) if as_json else head_text(signed))

    @audit.command()
    def tail(
        config: ConfigOption = None,
        count: Annotated[int, typer.Option("-n", min=1, help="How many entries.")] = 10,
        as_json: JsonOption = False,
    ) -> None:
        """Show the newest sealed decisions (--json: every field of each entry)."""
        store = _store(load_config(config))
        size = reader.log_size(store)
        entries = [
            (seq, decode_entry(raw)) for seq, raw, _ in reader.entries(store, max(size - count, 0))
        ]
        if as_json:
            print_json([{"seq": seq, **msgspec.to_builtins(entry)} for seq, entry in entries])
            return
        rows = []
        for seq, entry in entries:
            signal, verdict = entry.signal, entry.verdict
            when = datetime.datetime.fromtimestamp(signal.at, datetime.UTC)
            rows.append(
                (
                    str(seq),
                    f"{when:%Y-%m-%d %H:%M:%S}",
                    signal.agent,
                    signal.kind,
                    signal.tool or "-",
                    verdict.action,
                    ", ".join(f.code for f in verdict.findings) or "-",
                )
            )
        out = console()
        title = f"audit log: last {len(rows)} of {size} entries"
        print_table(out, title, TAIL_COLUMNS, rows, "the audit log is empty")


TAIL_COLUMNS = (
    Col("seq", justify="right", whole=True),
    Col("time (UTC)", drop=1),
    Col("agent"),
    Col("kind"),
    Col("tool"),
    Col("action"),
    Col("findings"),
)


def _export(log: AuditLog, out: BinaryIO, bar: Tracker) -> int:
    count = 0
    for line in export_lines(log.store, log.authority.public_bytes):
        out.write(line + b"\n")
        count += 1
        bar.advance(1)
    return count
