"""The dashboard over Starlette's TestClient: who may use it, CSRF, every action (and
its audit entry), escaping of hostile content, and the pages' errors."""

from __future__ import annotations

import html as html_text
import json
import re
from pathlib import Path

import pytest

from immuno.audit import decode_entry
from immuno.gateway.ui import auth
from immuno.gateway.ui.data import Reader

from .conftest import HOSTILE, Desk, csrf_of

PAGES = ("/ui", "/ui/incidents", "/ui/quarantine", "/ui/approvals", "/ui/audit", "/ui/redteam")


def _flash(html: str) -> str:
    found = re.search(r'<p class="flash[^"]*" role="status">(.*?)</p>', html, re.S)
    assert found is not None, "no flash message on the page"
    return html_text.unescape(found.group(1))


def _last_code(desk: Desk) -> str:
    return decode_entry(desk.audit_tail(1)[0]).verdict.findings[0].code


def test_only_an_operator_gets_in(desk: Desk) -> None:
    for path in PAGES:
        answer = desk.client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/ui/login"), path
        assert desk.client.get(path, headers=desk.bearer("alice", "agent")).status_code == 403
        bad = desk.client.get(path, headers={"Authorization": "Bearer nonsense"})
        assert bad.status_code == 401 and "token rejected" in bad.text
        assert desk.client.get(path, headers=desk.bearer()).status_code == 200, path
    refused = desk.login("alice", "agent")
    assert refused.status_code == 403 and "lacks the operator scope" in refused.text
    assert auth.SESSION not in desk.client.cookies
    assert desk.client.post("/ui/audit/verify", data={"csrf": "x"}).status_code == 401


def test_the_session_cookie_is_locked_down_and_checked_every_time(desk: Desk) -> None:
    token = desk.token("ops", "operator")
    form = desk.client.get("/ui/login")
    answer = desk.client.post("/ui/login", data={"token": token, "csrf": csrf_of(form.text)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("immuno_ui="))
    for flag in ("HttpOnly", "SameSite=strict", "Path=/ui"):
        assert flag in cookie, cookie
    assert desk.client.get("/ui").status_code == 200
    value = desk.client.cookies[auth.SESSION]
    body, signature = value.split(".")
    forged = json.loads(auth._unb64(body))
    forged["sub"] = "alice"
    desk.client.cookies.clear()
    tampered = auth._b64(json.dumps(forged).encode()) + "." + signature

    def status(cookie: str) -> int:
        return int(
            desk.client.get("/ui", headers={"Cookie": f"{auth.SESSION}={cookie}"}).status_code
        )

    assert status(tampered) == 303  # the signature no longer matches
    assert status(value) == 200
    desk.issuer.revoke(token)
    assert status(value) == 303  # its token was revoked


def test_login_needs_the_form_it_was_sent(desk: Desk) -> None:
    token = desk.token("ops", "operator")
    blind = desk.client.post("/ui/login", data={"token": token, "csrf": "guess"})
    assert blind.status_code == 403 and "login form expired" in blind.text
    assert auth.SESSION not in desk.client.cookies
    form = desk.client.get("/ui/login")
    empty = desk.client.post("/ui/login", data={"token": " ", "csrf": csrf_of(form.text)})
    assert empty.status_code == 422 and "paste an operator token" in empty.text


def test_forms_without_the_csrf_token_are_refused(desk: Desk) -> None:
    incident = desk.payload_incident()
    assert desk.login().status_code == 303
    path = f"/ui/incidents/{incident}/confirm"
    for data in ({}, {"csrf": "wrong"}):
        refused = desk.client.post(path, data=data)
        assert refused.status_code == 403 and "CSRF token" in refused.text
    shown = desk.client.get(f"/v1/incidents/{incident}", headers=desk.bearer()).json()
    assert shown["incident"]["decision"] is None
    logout = desk.client.post("/ui/logout", data={})
    assert logout.status_code == 403


def test_confirm_and_false_positive_from_the_dashboard(desk: Desk) -> None:
    first = desk.payload_incident()
    assert desk.login().status_code == 303
    page = desk.client.get(f"/ui/incidents/{first}")
    done = desk.client.post(
        f"/ui/incidents/{first}/confirm", data={"csrf": csrf_of(page.text), "note": "worm"}
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/ui/incidents/{first}")
    page = desk.client.get(f"/ui/incidents/{first}")
    assert "confirmed: vac_" in _flash(page.text) and "sealed as audit entry" in _flash(page.text)
    assert "Decided by ops" in page.text and "Confirm attack" not in page.text
    assert _last_code(desk) == "operator.incident_confirmed"
    other = desk.payload_incident(HOSTILE.replace("customer", "payroll"))
    page = desk.client.get(f"/ui/incidents/{other}")
    desk.client.post(f"/ui/incidents/{other}/false-positive", data={"csrf": csrf_of(page.text)})
    page = desk.client.get(f"/ui/incidents/{other}")
    assert "recorded as a false positive: 2 stopped signal(s) counted" in _flash(page.text)
    assert _last_code(desk) == "operator.incident_false_positive"
    overview = desk.client.get("/ui")
    assert "Autoimmunity per layer" in overview.text and "<svg" in overview.text


def test_quarantine_release_and_false_positive(desk: Desk) -> None:
    desk.payload_incident()
    assert desk.login().status_code == 303
    page = desk.client.get("/ui/quarantine")
    first, second = re.findall(r'action="/ui/quarantine/(q_[0-9a-f]+)/release"', page.text)
    token = csrf_of(page.text)
    desk.client.post(f"/ui/quarantine/{first}/release", data={"csrf": token})
    assert f"released {first}" in _flash(desk.client.get("/ui/quarantine").text)
    assert _last_code(desk) == "operator.release"
    desk.client.post(f"/ui/quarantine/{second}/false-positive", data={"csrf": token})
    assert "as a false positive" in _flash(desk.client.get("/ui/quarantine").text)
    assert _last_code(desk) == "operator.false_positive"
    assert desk.immune.autoimmunity()["detect"].false_positives == 1
    gone = desk.client.post("/ui/quarantine/q_nope/release", data={"csrf": token})
    assert "no quarantined content with id 'q_nope'" in _flash(
        desk.client.get(gone.headers["location"]).text
    )


def test_approve_and_deny(desk: Desk) -> None:
    approve, deny = desk.held_call(), desk.held_call()
    assert desk.login().status_code == 303
    page = desk.client.get("/ui/approvals")
    assert approve in page.text and deny in page.text
    token = csrf_of(page.text)
    desk.client.post(f"/ui/approvals/{approve}/approve", data={"csrf": token, "note": "ok"})
    assert f"approved {approve}" in _flash(desk.client.get("/ui/approvals").text)
    assert _last_code(desk) == "operator.false_positive"
    desk.client.post(f"/ui/approvals/{deny}/deny", data={"csrf": token})
    assert f"denied {deny}" in _flash(desk.client.get("/ui/approvals").text)
    assert _last_code(desk) == "operator.deny"
    decided = desk.client.get("/ui/approvals", params={"status": "denied"})
    assert deny in decided.text and approve not in decided.text


def test_rates_counted_by_increments_equal_a_full_count(desk: Desk) -> None:
    desk.payload_incident()
    incremental = Reader(desk.immune)
    first = {r.layer: (r.stopped, r.flagged) for r in incremental.rates()}
    assert first["detect"] == (2, 0)
    desk.check("alice", HOSTILE.replace("customer", "supplier"))
    desk.check("bob", "The weather in Paris is mild today.")
    desk.immune.layer("response").flush()
    incremental._rates = None  # the cache ran out
    again = {r.layer: (r.stopped, r.flagged) for r in incremental.rates()}
    full = {r.layer: (r.stopped, r.flagged) for r in Reader(desk.immune).rates()}
    assert again == full and again["detect"] == (3, 0)


def test_verify_the_audit_log(desk: Desk) -> None:
    desk.check("alice", "The weather in Paris is mild today.")
    assert desk.login().status_code == 303
    page = desk.client.get("/ui/audit")
    assert "signed tree head" in page.text or "signed head covers" in page.text
    desk.client.post("/ui/audit/verify", data={"csrf": csrf_of(page.text)})
    assert "the audit log verifies" in _flash(desk.client.get("/ui/audit").text)
    assert _last_code(desk) == "operator.audit_verify"


def test_a_bearer_caller_needs_no_csrf_and_gets_text(desk: Desk) -> None:
    request = desk.held_call()
    answer = desk.client.post(f"/ui/approvals/{request}/deny", headers=desk.bearer())
    assert answer.status_code == 200 and f"denied {request}" in answer.text
    again = desk.client.post(f"/ui/approvals/{request}/deny", headers=desk.bearer())
    assert again.status_code == 409 and "already denied" in again.text


def test_hostile_content_renders_inert(desk: Desk) -> None:
    incident = desk.payload_incident(HOSTILE)
    for path in (f"/ui/incidents/{incident}", "/ui/quarantine"):
        html = desk.client.get(path, headers=desk.bearer()).text
        assert "<script>" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html, path
    answer = desk.client.get("/ui", headers=desk.bearer())
    assert "script-src" not in answer.headers["content-security-policy"]  # no script at all
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["x-frame-options"] == "DENY"


def test_bad_parameters_are_named(desk: Desk) -> None:
    cases = {
        "/ui?page=0": "page: must be 1..100000, got 0",
        "/ui/incidents?page=two": "page: must be a whole number, got &#x27;two&#x27;",
        "/ui/quarantine?status=lost": "status: must be one of",
        "/ui/incidents/inc-nope": "no incident &#x27;inc-nope&#x27;",
    }
    for path, message in cases.items():
        answer = desk.client.get(path, headers=desk.bearer())
        assert answer.status_code in (404, 422) and message in answer.text, (path, answer.text)


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (None, "No red-team scorecard yet"),
        ("{", "The scorecard is unreadable"),
        ('{"version": 1, "generated_at": "x", "attacks": 2, "stopped": 3}', "exceeds attacks"),
        ('{"version": 1, "generated_at": "x", "attacks": 5, "stoped": 3}', "stoped"),
        (
            '{"version": 1, "generated_at": "2026-12-07", "target": "<b>t</b>", "attacks": 10,'
            ' "stopped": 9, "families": [{"name": "tool", "attacks": 4, "stopped": 4}]}',
            "9 of 10 (90.0%)",
        ),
    ],
)
def test_the_redteam_scorecard(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, shown: str
) -> None:
    path = tmp_path / "scorecard.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("IMMUNO_SCORECARD", str(path))
    html = desk.client.get("/ui/redteam", headers=desk.bearer()).text
    assert shown in html
    assert "<b>t</b>" not in html
