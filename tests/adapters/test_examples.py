"""The examples run end to end as their own processes, from another directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.mark.parametrize("name", ["langchain_agent.py", "openai_agents_agent.py"])
def test_the_example_stops_the_attack_and_does_the_benign_task(name: str, tmp_path: Path) -> None:
    out = run_example(name, tmp_path)
    unprotected, protected = out.split("with immuno:", 1)
    assert "ATTACK SUCCEEDED: 900.00 EUR to XX66ATTK00006666" in unprotected
    attack, benign = protected.split("== benign", 1)
    assert "result: attack stopped: nothing reached the attacker" in attack
    assert "delivered with the injected sentences cut out" in attack
    assert attack.count("STOPPED: immuno refused the call to send_") == 2
    assert "result: benign task done: 120.00 EUR to DE89370400440532013000" in benign
    assert "STOPPED" not in benign.split("== input")[0]
    assert list(tmp_path.iterdir()) == []  # it left nothing in the working directory


def test_the_openai_agents_example_trips_the_input_guardrail(tmp_path: Path) -> None:
    out = run_example("openai_agents_agent.py", tmp_path)
    pasted = out.split("== input", 1)[1]
    assert "input guardrail tripped: block" in pasted
    assert "input stopped before the model read it (0 model calls)" in pasted
