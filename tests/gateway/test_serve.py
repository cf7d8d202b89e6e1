"""`immuno serve` as a real process: two workers on a free loopback port, a real
token, a real request over a socket; then stopped (every wait is bounded)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from immuno import Immune, load_config
from immuno.identity import Registry
from immuno.identity.tokens import TokenIssuer
from tests.net import free_port, stop_group, wait_ready


def test_serve_with_two_workers_answers_a_real_check(tmp_path: Path) -> None:
    port = free_port()
    config_file = tmp_path / "immuno.yaml"
    config_file.write_text(
        f"store:\n  path: {tmp_path / 'immuno.db'}\ngateway:\n  port: {port}\n", encoding="utf-8"
    )
    immune = Immune(load_config(config_file))
    Registry(immune.store, immune.clock).register("alice")
    token = TokenIssuer(immune.authority, immune.store, immune.clock).issue(
        "alice", "immuno-gateway", ["agent"]
    )
    immune.close()
    command = [
        sys.executable,
        "-m",
        "immuno",
        "serve",
        "--config",
        str(config_file),
        "--workers",
        "2",
    ]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we stop it and its workers
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/readyz", process, what="immuno serve")
        headers = {"Authorization": f"Bearer {token}"}
        signal_body = {"kind": "tool_result", "agent": "alice", "content": "Sunny, 21 C."}
        with httpx.Client(base_url=url, timeout=10.0) as client:
            verdicts = [
                client.post("/v1/check", json=signal_body, headers=headers) for _ in range(6)
            ]
            assert [v.status_code for v in verdicts] == [200] * 6
            assert {v.json()["action"] for v in verdicts} == {"allow"}
            # Both workers seal into one log: sequence numbers never collide.
            seqs = [v.json()["seq"] for v in verdicts]
            assert len(set(seqs)) == 6
            assert client.post("/v1/check", json=signal_body).status_code == 401
    finally:
        output = stop_group(process)
    assert f"listening on http://127.0.0.1:{port} with 2 workers" in output.decode()
