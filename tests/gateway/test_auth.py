"""Authentication and roles: 401 without valid credentials, 403 for the wrong role,
and an agent never acts for another agent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import Fleet

BENIGN = {"kind": "tool_result", "agent": "alice", "content": "The weather in Paris is mild."}


def test_no_credentials_is_401_json(fleet: Fleet) -> None:
    response = fleet.client.post("/v1/check", json=BENIGN)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Basic YWxpY2U6eA==", "Bearer ", "token-without-scheme"],
)
def test_malformed_credentials_are_401(fleet: Fleet, header: str) -> None:
    response = fleet.client.post("/v1/check", json=BENIGN, headers={"Authorization": header})
    assert response.status_code == 401, response.text


def test_token_for_another_audience_is_401(fleet: Fleet) -> None:
    token = fleet.issuer.issue("alice", "some-other-service", ["agent"])
    response = fleet.client.post(
        "/v1/check", json=BENIGN, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert "wrong_audience" in response.json()["error"]["message"]


def test_token_of_another_authority_is_401(fleet: Fleet, make_fleet: Callable[..., Fleet]) -> None:
    stranger = make_fleet()  # another store, another authority key
    response = fleet.client.post("/v1/check", json=BENIGN, headers=stranger.headers("alice"))
    assert response.status_code == 401
    assert "bad_signature" in response.json()["error"]["message"]


def test_revoked_token_and_revoked_agent_are_401_at_once(fleet: Fleet) -> None:
    token = fleet.token("alice")
    headers = {"Authorization": f"Bearer {token}"}
    assert fleet.client.post("/v1/check", json=BENIGN, headers=headers).status_code == 200
    fleet.issuer.revoke(token)
    assert fleet.client.post("/v1/check", json=BENIGN, headers=headers).status_code == 401
    bob = fleet.headers("bob")
    bob_signal = {**BENIGN, "agent": "bob"}
    assert fleet.client.post("/v1/check", json=bob_signal, headers=bob).status_code == 200
    fleet.registry.revoke("bob")
    response = fleet.client.post("/v1/check", json=bob_signal, headers=bob)
    assert response.status_code == 401
    assert "not an active registered agent" in response.json()["error"]["message"]


def test_token_of_unregistered_agent_is_401(fleet: Fleet) -> None:
    response = fleet.client.post(
        "/v1/check", json={**BENIGN, "agent": "mallory"}, headers=fleet.headers("mallory")
    )
    assert response.status_code == 401


def test_token_without_a_gateway_role_is_403(fleet: Fleet) -> None:
    response = fleet.client.post("/v1/check", json=BENIGN, headers=fleet.headers("alice", "read"))
    assert response.status_code == 403
    assert "scope" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/approvals"),
        ("POST", "/v1/approvals/x/approve"),
        ("POST", "/v1/approvals/x/deny"),
        ("GET", "/v1/quarantine"),
        ("POST", "/v1/quarantine/x/release"),
        ("POST", "/v1/quarantine/x/false-positive"),
    ],
)
def test_operator_routes_refuse_agents(fleet: Fleet, method: str, path: str) -> None:
    response = fleet.client.request(method, path, headers=fleet.headers("alice"))
    assert response.status_code == 403
    assert "operator role" in response.json()["error"]["message"]
    assert fleet.client.request(method, path).status_code == 401


def test_agent_cannot_act_for_another_agent(fleet: Fleet) -> None:
    alice = fleet.headers("alice")
    client = fleet.client
    for path, body in [
        ("/v1/check", {**BENIGN, "agent": "bob"}),
        ("/v1/scan", {"texts": ["hi"], "agent": "bob"}),
        ("/v1/sessions", {"agent": "bob", "request": "book a table"}),
    ]:
        response = client.post(path, json=body, headers=alice)
        assert response.status_code == 403, path
        assert response.json()["error"]["field"] == "agent"
    response = client.get("/v1/inbox", params={"agent": "bob"}, headers=alice)
    assert response.status_code == 403
    envelope = fleet.signers["bob"].seal("alice", "hello", now=fleet.immune.clock())
    response = client.post("/v1/messages", json=envelope.to_dict(), headers=alice)
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "sender"


def test_operator_may_act_for_any_agent(fleet: Fleet) -> None:
    response = fleet.client.post(
        "/v1/check", json={**BENIGN, "agent": "bob"}, headers=fleet.operator
    )
    assert response.status_code == 200
    assert response.json()["action"] == "allow"
    inbox = fleet.client.get("/v1/inbox", params={"agent": "bob"}, headers=fleet.operator)
    assert inbox.status_code == 200
