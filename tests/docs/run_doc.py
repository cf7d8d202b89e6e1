"""Run one Markdown document's code blocks in order, in the working directory.

    python tests/docs/run_doc.py DOCUMENT

Exit 0 when every block ran as it says; otherwise one line per failing block on
stderr (document, line, what went wrong) and exit 1. The rules are in blocks.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from blocks import RUN, Block, blocks, output_matches

sys.path.pop(0)  # the document's own code sees none of this folder

import yaml

from immuno.core.config import parse_config
from immuno.policy.manifest import parse_manifest

MANIFEST_KEYS = frozenset({"version", "roles", "agents", "tools"})
CONFIG_KEYS = frozenset(
    {
        "store",
        "thresholds",
        "detect",
        "policy",
        "response",
        "memory",
        "identity",
        "audit",
        "gateway",
        "sandbox",
    }
)
BASH_TIMEOUT = 120.0


def check_data(block: Block, where: str) -> None:
    """Parse a YAML or JSON block; a manifest or a config is also loaded."""
    if block.lang == "json":
        json.loads(block.code)
        return
    data = yaml.safe_load(block.code)
    if isinstance(data, dict) and data:
        keys = set(data)
        if keys <= MANIFEST_KEYS:
            parse_manifest(block.code, where)
        elif keys <= CONFIG_KEYS:
            parse_config(block.code, where)


def run_python(block: Block, where: str, namespace: dict[str, object]) -> str:
    """Run the block; what it printed is shown as it goes and returned."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.code, where, "exec"), namespace)
    sys.stdout.write(printed.getvalue())
    return printed.getvalue()


def run_bash(block: Block) -> str:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code],
        env=env,
        capture_output=True,
        text=True,
        timeout=BASH_TIMEOUT,
        check=False,
    )
    expected = 2 if block.fails else 0
    if done.returncode != expected:
        raise RuntimeError(
            f"exit {done.returncode}, expected {expected}\n{done.stdout}{done.stderr}"
        )
    sys.stdout.write(done.stdout)
    return done.stdout


def main(document: Path) -> int:
    namespace: dict[str, object] = {"__name__": "__main__"}
    failures = 0
    printed = ""
    for block in blocks(document):
        where = f"{document.name}:{block.line}"
        if block.output:
            if (problem := output_matches(block.code, printed)) is not None:
                print(f"{where}: output differs: {problem}", file=sys.stderr)
                failures += 1
                break
            continue
        if block.skip is not None or (block.lang not in RUN and block.file is None):
            continue
        try:
            if block.file is not None:
                target = Path(block.file)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.code, encoding="utf-8")
            elif block.lang == "python":
                printed = run_python(block, where, namespace)
            elif block.lang == "bash":
                printed = run_bash(block)
            else:
                check_data(block, where)
        except Exception:
            failures += 1
            print(f"{where}: {block.lang} block failed", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            break  # later blocks build on this one
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
