"""Progress bars for long work, on stderr and only when stderr is a terminal: piped or
captured output (and anything on stdout, JSON included) is never touched by them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)


class Tracker:
    """What long work reports to: ``advance(n)`` more done, or ``at(done, total)``."""

    def advance(self, done: int) -> None:
        return None

    def at(self, done: int, total: int) -> None:
        return None


class _Bar(Tracker):
    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar, self._task = bar, task

    def advance(self, done: int) -> None:
        self._bar.advance(self._task, done)

    def at(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)


def stderr_console() -> Console:
    """Where bars go (a test may replace this to force a terminal)."""
    return Console(stderr=True)


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Tracker]:
    """A bar of ``total`` steps (or one set later by ``at``) when stderr is a
    terminal; a tracker that does nothing otherwise."""
    err = stderr_console()
    if not err.is_terminal:
        yield Tracker()
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        yield _Bar(bar, bar.add_task(description, total=total))


def counted(lines: Iterable[bytes], tracker: Tracker) -> Iterator[bytes]:
    """``lines`` unchanged, advancing by each line's size in bytes."""
    for line in lines:
        tracker.advance(len(line))
        yield line
