"""``immuno redteam``: attack an in-process deployment of the configuration with the
project's own generated attacks and benign workloads, and score each family."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from types import ModuleType
from typing import Annotated

import msgspec
import typer

from immuno._version import __version__
from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, table
from immuno.cli.progress import progress
from immuno.core.config import StoreConfig, load_config
from immuno.core.errors import ConfigError, InputError
from immuno.redteam import html, report, runner

FamiliesOption = Annotated[
    str | None,
    typer.Option(
        "--families",
        help="Comma-separated families (default all): " + ", ".join(runner.SHORT) + ".",
    ),
]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Also write a self-contained HTML report here.")
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Attack a running `immuno serve` at this URL instead (injection families"
        " only; the others need the deployment in process).",
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="IMMUNO_TOKEN", help="An operator token, with --url."),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Also write the dashboard's scorecard JSON here."),
]


def _writable(option: str, path: Path | None) -> None:
    """Refuse a file option that cannot be written before the run, not after it."""
    if path is None:
        return
    if path.is_dir():
        raise InputError(option, f"{path} is a folder; give a file to write")
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(option, f"{parent} is a file, so {path} cannot be written")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    @app.command()
    def redteam(
        config: ConfigOption = None,
        as_json: JsonOption = False,
        html_file: HtmlOption = None,
        out: OutOption = None,
        families: FamiliesOption = None,
        url: UrlOption = None,
        token: TokenOption = None,
    ) -> None:
        """Attack this configuration in process with generated attacks and benign
        workloads; print, per family, attacks stopped, benign passed, the time each
        check took and the findings that did the stopping."""
        chosen = runner.parse_families(families)
        _writable("--out", out)
        _writable("--html", html_file)
        started = time.perf_counter()
        if url is not None:
            if config is not None:
                raise InputError(
                    "--config", "the server's own configuration is attacked with --url"
                )
            remote = _remote()
            with (
                remote.client(url, token) as server,
                progress("red team: attacking", runner.planned(chosen)) as bar,
            ):
                scores = remote.run_remote(server, chosen, step=bar.advance)
            where = target = f"immuno serve at {url}"
            console(stderr=True).print(
                f"checked by the service at {url}: its store and audit log keep these "
                "signals, as agents rt-reader-N",
                highlight=False,
            )
        else:
            settings = load_config(config)
            named = msgspec.structs.replace(settings.store, timeout=5.0) != StoreConfig()
            if named:
                where = settings.store.location
                console(stderr=True).print(
                    f"writing to the configured store {where}", highlight=False
                )
            else:
                where = "a temporary store per case (removed after the run)"
            with progress("red team: attacking", runner.planned(chosen)) as bar:
                scores = runner.run(settings, chosen, fresh_stores=not named, step=bar.advance)
            target = f"immuno {__version__}, " + (
                f"configuration {config}" if config is not None else "default configuration"
            )
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        done = report.Run(target, stamp, time.perf_counter() - started, where, scores)
        if out is not None:
            _write(out, json.dumps(report.scorecard(done), indent=2) + "\n")
        if html_file is not None:
            _write(html_file, html.render(done))
        if as_json:
            print_json(report.full_json(done))
            return
        shown = console()
        columns = (
            Col("family"),
            Col("attacks\nstopped", "right"),
            Col("benign\npassed", "right"),
            Col("ms per check\nmedian", "right"),
            Col("ms per check\np99", "right"),
        )
        title = f"red team: {target}"
        shown.print(table(title, columns, report.rows(scores), shown), highlight=False)
        codes = [(s.name, report.stopped_by(s)) for s in scores]
        what = (Col("family"), Col("stopped by (findings, attacks)"))
        shown.print(table("", what, codes, shown, show_lines=True), highlight=False)
        attacks = sum(s.attacks for s in scores)
        stopped = sum(s.stopped for s in scores)
        shown.print(
            f"{stopped} of {attacks} attacks stopped in {done.seconds:.1f} s. "
            "Attacks and benign workloads come from immuno's own templates.",
            highlight=False,
        )


def _remote() -> ModuleType:
    """The client side of ``--url``: it needs httpx, which the serve extra installs."""
    try:
        from immuno.redteam import remote
    except ImportError as exc:
        raise ConfigError(
            "--url",
            f"needs an HTTP client: pip install 'immuno[serve]' ({exc.name} is missing)",
        ) from None
    return remote
