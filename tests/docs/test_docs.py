"""Every code block of the README and of docs/ runs (rules: blocks.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.blocks import RUN, blocks

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNER = Path(__file__).with_name("run_doc.py")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_runs(document: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMMUNO_")}
    env["COLUMNS"] = "100"
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(document)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_skip_says_why(document: Path) -> None:
    for block in blocks(document):
        if block.skip is not None:
            assert len(block.skip.split()) >= 3, f"{document.name}:{block.line}: say why"
        if block.lang not in RUN and block.file is None and block.skip is None:
            assert block.lang in {"text", "console", "", "http"}, (
                f"{document.name}:{block.line}: a {block.lang!r} block is neither run nor shown"
            )


def test_the_runner_catches_a_failing_block(tmp_path: Path) -> None:
    document = tmp_path / "bad.md"
    document.write_text("```python\nx = 1\n```\n\n```python\nassert x == 2\n```\n")
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(document)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "bad.md:5: python block failed" in done.stderr


def test_the_runner_compares_what_a_block_printed(tmp_path: Path) -> None:
    shown = "```python\nprint('block (score 1.00): policy')\n```\n\n<!-- output -->\n```text\n"
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(shown + "block (score ...\n```\n")
    bad.write_text(shown + "allow\n```\n")
    runs = [
        subprocess.run(
            [sys.executable, str(RUNNER), str(doc)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for doc in (good, bad)
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[1].returncode == 1
    assert "output differs" in runs[1].stderr
