"""The examples run end to end as their own processes, from another directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_printed: dict[str, str] = {}


def printed(name: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """What the example printed (each example runs once per test session)."""
    if name not in _printed:
        cwd = tmp_path_factory.mktemp(name.removesuffix(".py"))
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
        assert list(cwd.iterdir()) == []  # it left nothing in the working directory
        _printed[name] = done.stdout
    return _printed[name]


@pytest.mark.parametrize("name", ["langchain_agent.py", "openai_agents_agent.py"])
def test_the_example_stops_the_attack_and_does_the_benign_task(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    unprotected, protected = printed(name, tmp_path_factory).split("with immuno:", 1)
    assert "ATTACK SUCCEEDED: 900.00 EUR to XX66ATTK00006666" in unprotected
    attack, benign = protected.split("== benign", 1)
    assert "result: attack stopped: nothing reached the attacker" in attack
    assert "delivered with the injected sentences cut out" in attack
    assert attack.count("STOPPED: immuno refused the call to send_") == 2
    assert "result: benign task done: 120.00 EUR to DE89370400440532013000" in benign
    assert "STOPPED" not in benign.split("== input")[0]


def test_the_openai_agents_example_trips_the_input_guardrail(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pasted = printed("openai_agents_agent.py", tmp_path_factory).split("== input", 1)[1]
    assert "input guardrail tripped: block" in pasted
    assert "input stopped before the model read it (0 model calls)" in pasted
