"""A real client, the proxy over streamable HTTP, the real test server on HTTP
(answers as SSE streams, and as JSON with --json)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from immuno.core.verdict import EXCISED_MARK
from tests import backends
from tests.mcp.clients import Run, via_http
from tests.mcp.conftest import (
    HttpPair,
    Workdir,
    make_workdir,
    spawn,
    stop,
    wait_listening,
)
from tests.net import free_port

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module", params=["sse", "json"])
def pair(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    shared_schemas: backends.Schemas,
) -> Iterator[HttpPair]:
    """The server answering as SSE streams, or as JSON, and the proxy before it."""
    workdir = make_workdir(tmp_path_factory.mktemp("http"), schemas=shared_schemas)
    started = HttpPair(workdir, json_response=request.param == "json")
    yield started
    started.close()


def test_calls_and_results_are_checked_over_http(pair: HttpPair) -> None:
    workdir = pair.workdir
    run: Run = via_http(pair.url)
    assert run.server == "notes"
    assert set(run.tools) == {"read_note", "fetch_page", "send_mail", "delete_note"}
    assert run.text("read_note") == "milk, eggs, bread"
    assert run.results["send_mail"].is_error
    assert "policy.not_granted" in run.text("send_mail")
    assert "delete_note" in run.text("delete_note") and "approval" in run.text("delete_note")
    assert EXCISED_MARK in run.text("fetch_page")
    assert "mcp.tool.unlisted" in run.text("count_words")
    assert workdir.called() == ["read_note", "fetch_page"]


def test_the_session_id_crosses_and_delete_ends_it(pair: HttpPair) -> None:
    with httpx.Client(timeout=10) as client:
        started = client.post(pair.url, json=INITIALIZE, headers=HEADERS)
        assert started.status_code == 200
        session = started.headers["mcp-session-id"]
        assert "notes" in started.text
        headers = {**HEADERS, "Mcp-Session-Id": session, "Mcp-Protocol-Version": "2025-06-18"}
        ping = client.post(
            pair.url, json={"jsonrpc": "2.0", "id": 2, "method": "ping"}, headers=headers
        )
        assert ping.status_code == 200 and '"result"' in ping.text
        batch = client.post(pair.url, json=[INITIALIZE], headers=headers)
        assert batch.status_code == 400 and "batches are not relayed" in batch.text
        assert client.delete(pair.url, headers=headers).status_code < 300
        gone = client.post(
            pair.url, json={"jsonrpc": "2.0", "id": 3, "method": "ping"}, headers=headers
        )
        assert gone.status_code == 404  # the server ended the session too


def test_an_unreachable_upstream_is_a_json_rpc_error(workdir: Workdir) -> None:
    port, nowhere = free_port(), f"http://127.0.0.1:{free_port()}/mcp"
    args = workdir.proxy_args("--agent", "assistant", "--upstream", nowhere)
    proxy = spawn([*args, "--listen", f"127.0.0.1:{port}"], workdir.env())
    try:
        wait_listening(port, proxy)
        with httpx.Client(timeout=10) as client:
            answer = client.post(f"http://127.0.0.1:{port}/mcp", json=INITIALIZE, headers=HEADERS)
    finally:
        stop(proxy)
    assert answer.status_code == 502
    assert f"upstream {nowhere} unreachable" in answer.json()["error"]["message"]
