"""``immuno vaccinate FILE``: add attacks to immune memory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.errors import InputError
from immuno.core.pipeline import Immune


def register(app: typer.Typer) -> None:
    @app.command()
    def vaccinate(
        file: Annotated[Path, typer.Argument(help="A text file holding an attack ('-': stdin).")],
        each_line: Annotated[
            bool, typer.Option("--each-line", help="One attack per non-empty line.")
        ] = False,
        config: ConfigOption = None,
    ) -> None:
        """Add an attack to immune memory: near-variants of it are caught from now on."""
        if str(file) == "-":
            text = sys.stdin.read()
        else:
            try:
                text = file.read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(str(file), f"cannot read: {exc.strerror}") from None
            except UnicodeDecodeError:
                raise InputError(str(file), "not UTF-8 text") from None
        attacks = [line for line in text.splitlines() if line.strip()] if each_line else [text]
        if not any(a.strip() for a in attacks):
            raise InputError(str(file), "is empty: nothing to vaccinate against")
        immune = Immune(load_config(config))
        try:
            for attack in attacks:
                typer.echo(f"{immune.vaccinate(attack)}  {attack.strip()[:60]!r}")
        finally:
            immune.close()
