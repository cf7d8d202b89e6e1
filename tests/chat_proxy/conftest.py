"""A fake upstream and the proxy in front of it, both served by uvicorn on
127.0.0.1, over a fresh store per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from immuno import Config, Immune
from immuno.audit.entry import decode_entry
from immuno.audit.reader import entries
from immuno.chat_proxy import ProxySettings, build_proxy_app
from immuno.core.config import DetectConfig, PolicyConfig
from tests import backends
from tests.chat_proxy.fake_upstream import FakeUpstream
from tests.chat_proxy.serving import Served

# payments may transfer only to an account the user's (or developer's) words name,
# fetch any page, and run a shell command only with an operator's approval.
MANIFEST = """\
agents:
  payments:
    tools: [bank.transfer, web.fetch, shell.run]
tools:
  web.fetch:
    args:
      url: {type: string}
  bank.transfer:
    sink: money
    args:
      account: {type: string, from: trusted}
      amount: {type: number, min: 0.01, max: 10000}
  shell.run:
    sink: shell
    approval: required
    args:
      command: {type: string}
"""

OWN = "DE89 3704 0044 0532 0130 00"  # the user's account, as they type it
OWN_COMPACT = "DE89370400440532013000"
ATTACKER = "GB33BUKB20201555555555"
ASK = f"Pay my rent of 950 EUR to my landlord's account {OWN}."


class Rig:
    """The fake upstream, the proxy in front of it, and an httpx client."""

    def __init__(self, tmp_path: Path, stack: ExitStack, agent: str | None, **detect: Any) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        manifest = tmp_path / "manifest.yaml"
        manifest.write_text(MANIFEST, encoding="utf-8")
        self.config = Config(
            store=backends.store_config(tmp_path / "immuno.db"),
            policy=PolicyConfig(manifests=[str(manifest)]),
            detect=DetectConfig(**detect),
        )
        self.immune = Immune(self.config)
        stack.callback(self.immune.close)
        self.upstream = FakeUpstream()
        self.upstream_url = stack.enter_context(Served(self.upstream.app())).url
        settings = ProxySettings(upstream=f"{self.upstream_url}/v1", agent=agent)
        self.url = stack.enter_context(Served(build_proxy_app(self.immune, settings))).url
        self.client = stack.enter_context(httpx.Client(base_url=self.url, timeout=30.0))

    def chat(
        self, messages: list[dict[str, Any]], headers: dict[str, str] | None = None, **extra: Any
    ) -> httpx.Response:
        body = {"model": "fake-1", "messages": messages, **extra}
        return self.client.post("/v1/chat/completions", json=body, headers=headers or {})

    def kinds(self) -> list[str]:
        """The kind of every signal sealed in the audit log, in order."""
        return [decode_entry(entry).signal.kind for _, entry, _ in entries(self.immune.store)]


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    with ExitStack() as stack:
        made: list[Rig] = []

        def _make(agent: str | None = "payments", **detect: Any) -> Rig:
            rig = Rig(tmp_path / f"rig{len(made)}", stack, agent, **detect)
            made.append(rig)
            return rig

        yield _make


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()


def decode(response: httpx.Response) -> Any:
    return msgspec.json.decode(response.content)
