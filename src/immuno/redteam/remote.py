"""``--url``: the injection families against a running ``immuno serve``, one
``POST /v1/check`` per signal with an operator's token. Each case speaks for an agent
of its own (``rt-reader-N``), so the server's health ladder never carries one case's
attacks into another's benign work. The latency is the server's own ``Immune.check``
time for the signal (``latency_us`` of the reply).

Impersonation over ``--url`` is what a caller without the authority's key can try
against the gateway itself: the operator's token with its subject changed (the
signature kept), and the same claims with ``alg: none``. Each is stopped when the
gateway answers 401; the benign case is the genuine token, answered 200. The other
families need the deployment's registry, manifests and stores in process, so they are
skipped."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from immuno.core.action import Action
from immuno.core.errors import InputError
from immuno.core.finding import Finding, Severity
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict
from immuno.redteam import injection, runner
from immuno.redteam.harness import Checks, Recorder, Result
from immuno.redteam.impersonation import b64url

FAMILIES = (
    "direct injection",
    "direct injection, obfuscated",
    "indirect injection",
    "indirect injection, obfuscated",
)
TOKEN_TECHNIQUES = ("tampered token", "unsigned token")
RETRIES = 60  # answers of 429 (rate limited) waited out, each for its Retry-After
IMPERSONATION = "impersonation"
NOT_REMOTE = "not over --url: it needs the deployment's registry, manifests and store in process"


class _Agent:
    """What one case checks through: its signals sent as its own agent."""

    def __init__(self, client: httpx.Client, agent: str, recorder: Recorder) -> None:
        self.client, self.agent, self.recorder = client, agent, recorder

    def check(self, signal: Signal) -> Verdict:
        body = msgspec.to_builtins(msgspec.structs.replace(signal, agent=self.agent))
        for _ in range(RETRIES):
            try:
                answer = self.client.post("/v1/check", json=body)
            except httpx.HTTPError as exc:
                raise InputError("--url", f"cannot reach {self.client.base_url}: {exc}") from None
            if answer.status_code != 429:
                break
            time.sleep(float(answer.headers.get("Retry-After", "1")))  # the agent's bucket
        if answer.status_code != 200:
            raise InputError(
                "--url", f"POST /v1/check answered {answer.status_code}: {answer.text[:200]}"
            )
        verdict = _verdict(answer.json())
        self.recorder.record(verdict)
        return verdict


def _verdict(reply: dict[str, Any]) -> Verdict:
    findings = tuple(
        Finding(
            layer=f["layer"],
            code=f["code"],
            severity=Severity(f["severity"]),
            score=f["score"],
            message=f["explanation"],
            action=Action(f["action"]) if f.get("action") else None,
        )
        for f in reply["findings"]
    )
    return Verdict(
        signal_id=reply["signal_id"],
        action=Action(reply["action"]),
        score=reply["score"],
        findings=findings,
        latency_us=reply["latency_us"],
        sanitized=reply.get("sanitized"),
    )


@dataclass
class RemoteDeployment:
    """Runs cases against the server behind ``client``."""

    client: httpx.Client
    _count: itertools.count[int] = field(default_factory=itertools.count)

    def agent(self, prefix: str) -> str:
        """A name no earlier case of this run used, so no case inherits another's
        standing on the server's health ladder."""
        return f"{prefix}-{next(self._count)}"

    def run(
        self, family: str, attack: bool, technique: str, body: Callable[[Checks], bool]
    ) -> Result:
        recorder = Recorder()
        held = body(_Agent(self.client, self.agent("rt-reader"), recorder))
        return Result(
            family, attack, technique, held, recorder.latencies, frozenset(recorder.codes)
        )


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def forged(token: str, technique: str, agent: str) -> str:
    """``token`` (a genuine JWT) claiming ``agent``: its payload edited and its
    signature kept ("tampered token"), or unsigned with ``alg: none``."""
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    claims["sub"] = agent
    edited = b64url(json.dumps(claims, separators=(",", ":")).encode())
    if technique == "tampered token":
        return f"{header}.{edited}.{signature}"
    none = b64url(json.dumps({"alg": "none", "typ": "JWT"}, separators=(",", ":")).encode())
    return f"{none}.{edited}."


def _token_case(client: httpx.Client, technique: str, agent: str, attack: bool) -> Result:
    """One request to the gateway with a forged (or, benign, the genuine) token."""
    genuine = client.headers["Authorization"].partition(" ")[2]
    token = forged(genuine, technique, agent) if attack else genuine
    signal = {"kind": "message", "agent": agent, "content": "Status: the review is done."}
    recorder = Recorder()
    started = time.perf_counter_ns()
    try:
        answer = client.post("/v1/check", json=signal, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise InputError("--url", f"cannot reach {client.base_url}: {exc}") from None
    spent = (time.perf_counter_ns() - started) / 1000.0
    if answer.status_code == 401:
        recorder.refused("gateway.unauthorized", spent)
    elif answer.status_code == 200:
        recorder.record(_verdict(answer.json()))
    else:
        raise InputError(
            "--url", f"POST /v1/check answered {answer.status_code}: {answer.text[:200]}"
        )
    held = answer.status_code == 401 or not answer.json()["allowed"]
    return Result(
        "impersonation", attack, technique, held, recorder.latencies, frozenset(recorder.codes)
    )


def client(url: str, token: str | None) -> httpx.Client:
    """A client for ``url`` that sends ``token`` (an operator's), checked to answer."""
    if not url.startswith(("http://", "https://")):
        raise InputError("--url", f"must start with http:// or https://, got {url!r}")
    if not token:
        raise InputError(
            "--token",
            "an operator token is needed with --url "
            "(or $IMMUNO_TOKEN; `immuno token issue NAME --scope operator`)",
        )
    made = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return made


def run_remote(
    client: httpx.Client,
    families: Sequence[str],
    *,
    scale: float = 1.0,
    seed: int = 1,
    step: Callable[[int], None] = lambda n: None,
) -> list[runner.Score]:
    """The injection families and the gateway's share of impersonation against a
    running server; the others are reported as skipped, saying why."""
    deployment = RemoteDeployment(client)
    scores = []
    for name in families:
        score = runner.Score(name)
        count = runner.cases(name, scale)
        if name in FAMILIES:
            for result in injection.run(deployment, name, count, seed):
                score.add(result)
                step(1)
        elif name == IMPERSONATION:
            for i in range(count):
                technique = TOKEN_TECHNIQUES[i % len(TOKEN_TECHNIQUES)]
                agent = deployment.agent("rt-planner")
                for attack in (True, False):
                    score.add(_token_case(client, technique, agent, attack))
                    step(1)
        else:
            score.skipped = NOT_REMOTE
            step(2 * count)
        scores.append(score)
    return scores
