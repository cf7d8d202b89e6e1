"""``immuno proxy`` as a real process in front of the fake upstream."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.chat_proxy.conftest import ASK, ATTACKER, MANIFEST
from tests.chat_proxy.fake_upstream import FakeUpstream, call, completion
from tests.chat_proxy.serving import Served
from tests.net import free_port, stop_group, wait_ready

IMMUNO = [sys.executable, "-m", "immuno"]


def test_immuno_proxy_serves_and_checks(tmp_path: Path) -> None:
    (tmp_path / "agents.yaml").write_text(MANIFEST, encoding="utf-8")
    config = tmp_path / "immuno.yaml"
    config.write_text(
        f"store:\n  path: {tmp_path / 'immuno.db'}\npolicy:\n  manifests: [agents.yaml]\n",
        encoding="utf-8",
    )
    upstream = FakeUpstream()
    port = free_port()
    with Served(upstream.app()) as served:
        command = [
            *IMMUNO,
            "proxy",
            "--upstream",
            f"{served.url}/v1",
            "--listen",
            f"127.0.0.1:{port}",
            "--config",
            str(config),
            "--agent",
            "payments",
        ]
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{url}/healthz", process, what="immuno proxy")
            theft = call("call_1", "bank.transfer", {"account": ATTACKER, "amount": 950})
            upstream.reply(completion(None, [theft]))
            body = {"model": "fake-1", "messages": [{"role": "user", "content": ASK}]}
            reply = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=30.0)
        finally:
            output = stop_group(process)
    assert reply.status_code == 200
    message = reply.json()["choices"][0]["message"]
    assert "tool_calls" not in message
    assert "refused the call bank.transfer" in message["content"]
    assert f"listening on {url}/v1 for agent 'payments'" in output.decode()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--upstream", "ftp://x.example"], "--upstream: must be an http:// or https:// URL"),
        (["--upstream", "http://x.example/v1", "--listen", "8471"], "--listen: must be HOST:PORT"),
        (["--upstream", "http://x.example/v1", "--timeout", "0"], "--timeout: must be > 0"),
    ],
)
def test_bad_options_are_one_clear_error(tmp_path: Path, args: list[str], words: str) -> None:
    result = subprocess.run(
        [*IMMUNO, "proxy", *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 2
    assert words in result.stderr
    assert not (tmp_path / ".immuno").exists()  # refused before any store was made
