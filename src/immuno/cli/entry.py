"""Running the command line: every error is one line on stderr and exit status 2.

Exit status: 0 done; 1 the answer is no (``check`` stopped the signal, ``policy
explain`` denied the call, ``audit verify`` or ``memory verify`` found tampering); 2 the
command could not do what was asked (a bad argument or option, a bad file, no store
yet, a record that does not exist).
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

import typer
from rich.console import Console
from rich.markup import escape

from immuno.core.errors import ImmunoError

try:  # typer 0.2x carries its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

USAGE = 2


def _say(problem: str) -> None:
    line = " ".join(problem.split())  # one line, whatever the message held
    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True
    )


def _usage(exc: click_errors.UsageError) -> str:
    where = exc.ctx.command_path if exc.ctx is not None else "immuno"
    return f"{where}: {exc.format_message()} (`{where} --help` lists what it takes)"


def run(app: typer.Typer, args: Sequence[str] | None = None) -> int:
    """Run ``app`` on ``args`` (default: the process's) and return the exit status."""
    try:
        argv = list(args) if args is not None else None
        result = app(args=argv, prog_name="immuno", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        shown = exc.format_message()  # rich help is printed as it is made; plain help is text
        if shown.strip():
            typer.echo(shown)
        return 0
    except click_errors.UsageError as exc:
        _say(_usage(exc))
        return USAGE
    except click_errors.ClickException as exc:  # a bad file given to a click.File option
        _say(exc.format_message())
        return USAGE
    except typer.Abort:
        _say("interrupted")
        return 130
    except ImmunoError as exc:
        _say(str(exc))
        return USAGE
    except BrokenPipeError:
        return 0  # the reader (`| head`) has what it wanted
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return 0
        what = exc.filename if exc.filename is not None else "the system"
        _say(f"{what}: {exc.strerror or exc}")
        return USAGE
    return result if isinstance(result, int) else 0
