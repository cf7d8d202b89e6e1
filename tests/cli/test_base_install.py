"""The command line on a base install (``pip install immuno``, no extra): every
package an extra brings is made unimportable in a fresh interpreter, and the CLI
must still start, run the red team (skipping what needs an extra) and name the
extra a command needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# what the extras install (serve, mcp, proxy, postgres, fleet, sandbox, langchain ...)
EXTRAS = [
    "httpx", "aiohttp", "starlette", "uvicorn", "mcp", "mcp_types", "prometheus_client",
    "psycopg", "psycopg_pool", "redis", "pyseccomp", "langchain_core", "langgraph", "agents",
]  # fmt: skip

BLOCKER = """
import sys
blocked = set({extras})
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
sys.argv = ["immuno", *{argv}]
from immuno.cli import main
main()
"""


def _immuno(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    code = BLOCKER.format(extras=json.dumps(EXTRAS), argv=json.dumps(list(argv)))
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_the_cli_starts_without_any_extra(tmp_path: Path) -> None:
    done = _immuno(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "redteam" in done.stdout


def test_the_red_team_skips_what_needs_an_extra_and_says_which(tmp_path: Path) -> None:
    done = _immuno(tmp_path, "redteam", "--families", "mcp-tools,memory-poisoning", "--json")
    assert done.returncode == 0, done.stderr
    scores = {f["name"]: f for f in json.loads(done.stdout)["families"]}
    assert "immuno[mcp]" in scores["mcp tools"]["skipped"]
    assert scores["memory poisoning"]["attacks"] > 0


def test_a_command_that_needs_an_extra_names_it(tmp_path: Path) -> None:
    done = _immuno(tmp_path, "redteam", "--url", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert "pip install 'immuno[serve]'" in done.stderr
