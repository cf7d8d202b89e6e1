"""``--url``: the injection families and the gateway's share of impersonation against a
running service (here its ASGI app in process, through the same HTTP client the
command uses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from immuno.redteam import remote, runner
from tests.dashboard.conftest import Desk
from tests.redteam.conftest import SCALE, Ran, run_cli


def test_the_injection_families_run_against_a_service_and_the_rest_say_why(
    tmp_path: Path,
) -> None:
    desk = Desk(tmp_path / "service")
    try:
        desk.client.headers.update(desk.bearer())
        families = ["indirect injection, obfuscated", "impersonation", "memory poisoning"]
        scores = remote.run_remote(desk.client, families, scale=SCALE)
    finally:
        desk.close()
    injected, impersonation, memory = scores
    assert injected.attacks == injected.benign == runner.cases(families[0], SCALE)
    assert injected.stopped > 0 and injected.passed > 0
    assert any(code.startswith("detect.") for code in injected.codes)
    median, p99 = injected.median_us(), injected.p99_us()
    assert median is not None and p99 is not None and 0 < median <= p99
    assert memory.skipped == remote.NOT_REMOTE and memory.attacks == 0
    # the gateway refuses a token edited after signing and one with alg none; the
    # genuine token passes
    assert impersonation.skipped is None
    assert impersonation.attacks == impersonation.benign == runner.cases("impersonation", SCALE)
    assert impersonation.stopped == impersonation.attacks
    assert impersonation.passed == impersonation.benign
    assert set(impersonation.techniques) == set(remote.TOKEN_TECHNIQUES)
    assert set(impersonation.codes) == {"gateway.unauthorized"}


def test_the_forged_tokens_claim_another_agent_with_the_original_signature_or_none() -> None:
    genuine = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcHMifQ.c2ln"
    tampered = remote.forged(genuine, "tampered token", "rt-planner-1")
    header, payload, signature = tampered.split(".")
    assert header == genuine.split(".")[0] and signature == "c2ln"
    assert b'"sub":"rt-planner-1"' in remote._unb64(payload)
    unsigned = remote.forged(genuine, "unsigned token", "rt-planner-1")
    assert unsigned.endswith(".") and b'"alg":"none"' in remote._unb64(unsigned.split(".")[0])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--url", "localhost:8470", "--token", "t"], "--url: must start with http"),
        (["--url", "http://127.0.0.1:9"], "--token: an operator token is needed"),
        (["--url", "http://x", "--token", "t", "--config", "a.yaml"], "--config: the server"),
        (["--url", "http://127.0.0.1:9", "--token", "t"], "--url: cannot reach"),
    ],
)
def test_bad_url_options_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IMMUNO_TOKEN", raising=False)
    ran: Ran = run_cli(capsys, *args)
    assert ran.code == 2 and named in ran.err, ran.err
