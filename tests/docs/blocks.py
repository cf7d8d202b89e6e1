"""The code blocks of a Markdown document, and how each is run.

A document is run like a notebook, block after block, in one interpreter and one
fresh working directory:

- ```python runs; the python blocks of a document share one namespace;
- ```bash runs with ``bash -euo pipefail`` in the same directory (``immuno`` on PATH);
- ```yaml / ```json are parsed (a YAML manifest or ``immuno.yaml`` is also loaded, so
  an example that the loaders refuse fails);
- ``<!-- file: NAME -->`` just before a block writes the block to NAME instead;
- ``<!-- skip: reason -->`` just before a block leaves it out, saying why;
- ``<!-- fails: reason -->`` before a bash block expects it to exit 2 (an error shown);
- ``<!-- output -->`` before a ```text block: what the block before it printed, line by
  line; a line ending in ``...`` matches any line that starts with the rest;
- other languages (text, console output) are shown output and are not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

RUN = frozenset({"python", "bash", "yaml", "json"})
_MARK = re.compile(r"<!--\s*(file|skip|fails|output)(?::\s*(.+?))?\s*-->")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, its text, the line it starts on, and its mark."""

    lang: str
    code: str
    line: int
    file: str | None = None
    skip: str | None = None
    fails: str | None = None
    output: bool = False


def output_matches(expected: str, printed: str) -> str | None:
    """None when ``printed`` is what ``expected`` shows; else what differs."""
    want, got = expected.strip().splitlines(), printed.strip().splitlines()
    if len(want) != len(got):
        return f"{len(got)} lines printed, {len(want)} shown:\n{printed}"
    for shown, line in zip(want, got, strict=True):
        same = line.startswith(shown[:-3]) if shown.endswith("...") else line == shown
        if not same:
            return f"printed {line!r}, shown {shown!r}"
    return None


def blocks(path: Path) -> list[Block]:
    """Every fenced block of the document, with the mark of the comment just before it."""
    found: list[Block] = []
    mark: tuple[str, str] | None = None
    for token in MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8")):
        if token.type == "html_block":
            matched = _MARK.search(token.content)
            mark = (matched.group(1), matched.group(2) or "") if matched else None
            continue
        if token.type == "fence":
            line = token.map[0] + 1 if token.map else 0
            lang = token.info.strip().split(" ")[0].lower()
            kind, value = mark if mark is not None else ("", "")
            found.append(
                Block(
                    lang=lang,
                    code=token.content,
                    line=line,
                    file=value if kind == "file" else None,
                    skip=value if kind == "skip" else None,
                    fails=value if kind == "fails" else None,
                    output=kind == "output",
                )
            )
        mark = None
    return found
