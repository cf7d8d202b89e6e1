"""Bad requests, an unreachable upstream, failing checks, and the other paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import msgspec
import pytest

from immuno import Finding, Immune, Signal
from immuno.chat_proxy import ProxySettings, build_proxy_app
from tests.chat_proxy.conftest import ASK, OWN_COMPACT, Rig, decode
from tests.chat_proxy.fake_upstream import call, call_deltas, chunk, completion
from tests.chat_proxy.serving import Served
from tests.net import free_port

USER = [{"role": "user", "content": ASK}]


def test_an_unreachable_upstream_is_a_502_naming_it(immune: Immune) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    app = build_proxy_app(immune, ProxySettings(upstream=dead, agent="payments"))
    with Served(app) as served, httpx.Client(base_url=served.url, timeout=30.0) as client:
        response = client.post("/v1/chat/completions", json={"messages": USER})
        models = client.get("/v1/models")
    assert response.status_code == 502
    error = decode(response)["error"]
    assert error["code"] == "upstream_unreachable"
    assert error["message"].startswith(f"the upstream {dead}/chat/completions could not be")
    assert models.status_code == 502


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (b"{not json", None, "the body is not valid JSON"),
        (b"", None, "the body is empty"),
        (b"[1, 2]", None, "must be a JSON object, got list"),
        (b'{"model": "m"}', "messages", "must be a non-empty list"),
        (b'{"messages": [{"role": "wizard", "content": "hi"}]}', "messages[0].role", "wizard"),
        (b'{"messages": [{"role": "user", "content": 7}]}', "messages[0].content", "7"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}', "stream", "yes"),
        (
            b'{"messages": [{"role": "tool", "tool_call_id": "c9", "content": "x"}]}',
            "messages[0].tool_call_id",
            "no earlier assistant tool call has the id 'c9'",
        ),
        (
            b'{"messages": [{"role": "user", "content": "hi"}], "functions": []}',
            "functions",
            "legacy functions API",
        ),
    ],
)
def test_a_bad_body_is_a_400_naming_the_problem(
    rig: Rig, body: bytes, field: str | None, words: str
) -> None:
    response = rig.client.post(
        "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = decode(response)["error"]
    assert error["code"] == "malformed"
    assert error.get("field") == field
    assert words in error["message"]
    assert rig.upstream.received == []


def test_a_check_that_raises_refuses_the_request(rig: Rig, monkeypatch: Any) -> None:
    def broken(signal: Signal, *, evidence: Sequence[Finding] = ()) -> Any:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(rig.immune, "check", broken)
    response = rig.chat(USER)
    assert response.status_code == 503
    error = decode(response)["error"]
    assert error["code"] == "check_failed" and error["field"] == "messages[0]"
    assert "RuntimeError: the disk is gone" in error["message"]
    assert rig.upstream.received == []


class Broken:
    name = "broken"

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        if signal.kind == "tool_call":
            raise ValueError("manifest cache corrupted")
        return []


def test_a_failing_layer_on_the_way_out_is_a_503(rig: Rig) -> None:
    rig.immune.layers.append(Broken())
    transfer = call("call_1", "bank.transfer", {"account": OWN_COMPACT, "amount": 950})
    rig.upstream.reply(completion(None, [transfer]))
    response = rig.chat(USER)
    assert response.status_code == 503
    message = decode(response)["error"]["message"]
    assert message.startswith("the check of choices[0].message.tool_calls[0] failed: broken")
    assert "manifest cache corrupted" in message


def test_a_failing_check_ends_a_stream_with_an_error_and_no_call(rig: Rig) -> None:
    rig.immune.layers.append(Broken())
    arguments = msgspec.json.encode({"account": OWN_COMPACT, "amount": 950}).decode()
    rig.upstream.stream(
        [*call_deltas(0, "call_1", "bank.transfer", arguments), chunk({}, "tool_calls"), "[DONE]"]
    )
    body = {"messages": USER, "stream": True}
    with rig.client.stream("POST", "/v1/chat/completions", json=body) as response:
        raw = response.read()
    assert raw.startswith(b"data: ")
    last = msgspec.json.decode(raw.strip().split(b"\n\n")[-1][len(b"data: ") :])
    assert last["error"]["code"] == "check_failed"
    assert raw.count(b"data: ") == 1  # the error, nothing held back, no [DONE]
    assert b"call_1" not in raw and b"[DONE]" not in raw


def test_other_paths_are_forwarded_untouched(rig: Rig) -> None:
    response = rig.client.get("/v1/models", headers={"Authorization": "Bearer sk-test"})
    assert response.status_code == 200
    assert decode(response)["data"][0]["id"] == "fake-1"
    assert rig.upstream.last.path == "/v1/models"
    assert rig.upstream.last.headers["authorization"] == "Bearer sk-test"


def test_apis_with_unchecked_tool_calls_are_refused(rig: Rig) -> None:
    response = rig.client.post("/v1/responses", json={"input": "hi"})
    assert response.status_code == 501
    assert "use /v1/chat/completions" in decode(response)["error"]["message"]
    assert rig.upstream.received == []
    elsewhere = rig.client.get("/admin")
    assert elsewhere.status_code == 404
    assert decode(elsewhere)["error"]["code"] == "not_found"


def test_a_body_over_the_limit_is_a_413(immune: Immune) -> None:
    settings = ProxySettings(
        upstream="http://127.0.0.1:9/v1", agent="payments", max_body_bytes=1024
    )
    with (
        Served(build_proxy_app(immune, settings)) as served,
        httpx.Client(base_url=served.url, timeout=30.0) as client,
    ):
        big = {"messages": [{"role": "user", "content": "x" * 2048}]}
        response = client.post("/v1/chat/completions", json=big)
    assert response.status_code == 413
    assert decode(response)["error"]["message"] == "the body exceeds 1024 bytes"


def test_an_upstream_that_stalls_mid_stream_ends_it_with_a_timeout(
    immune: Immune, monkeypatch: Any
) -> None:
    from tests.chat_proxy import fake_upstream

    monkeypatch.setattr(fake_upstream, "GATE_SECONDS", 3.0)
    upstream = fake_upstream.FakeUpstream()
    upstream.stream([chunk({"content": "Hel"}), chunk({"content": "lo"}, "stop")], gate_at=1)
    with Served(upstream.app()) as slow:
        settings = ProxySettings(upstream=f"{slow.url}/v1", agent="payments", timeout=0.5)
        with (
            Served(build_proxy_app(immune, settings)) as served,
            httpx.Client(base_url=served.url, timeout=30.0) as client,
        ):
            body = {"messages": USER, "stream": True}
            with client.stream("POST", "/v1/chat/completions", json=body) as response:
                raw = response.read()
    first, last = raw.strip().split(b"\n\n")
    assert msgspec.json.decode(first[len(b"data: ") :])["choices"][0]["delta"]["content"] == "Hel"
    error = msgspec.json.decode(last[len(b"data: ") :])["error"]
    assert error["code"] == "upstream_timeout"
    assert "did not answer in time (" in error["message"]
    assert "the proxy's --timeout" in error["message"]
