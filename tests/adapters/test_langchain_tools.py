"""LangChain tools wrapped by immuno: calls checked before they run, outputs before
the model reads them (the real langchain-core)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool, tool

from immuno import Blocked, HeldForApproval, Immune, InputError, StoreError
from immuno.adapters.langchain import (
    ImmunoCallbackHandler,
    guard_tool,
    guard_tools,
    thread_session,
)
from tests.adapters.conftest import ATTACKER, CLEAN, GOOD, POISONED, REQUEST

THREAD: RunnableConfig = {"configurable": {"thread_id": "thread-1"}}


def call(name: str, args: dict[str, Any], call_id: str = "call-1") -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


class Bank:
    """A money tool that records every transfer it really made."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []

    def tool(self) -> BaseTool:
        @tool
        def send_money(account: str, amount: float) -> str:
            """Send money to an account."""
            self.sent.append((account, amount))
            return f"sent {amount} to {account}"

        return send_money


def page_tool(text: str) -> BaseTool:
    @tool
    def fetch_page(url: str) -> str:
        """Fetch a web page."""
        return text

    return fetch_page


def test_an_allowed_call_runs_and_its_output_reaches_the_model(immune: Immune) -> None:
    bank = Bank()
    (send,) = guard_tools(immune, [bank.tool()], agent="assistant")
    thread_session(immune, THREAD).trust("assistant", REQUEST)
    message = send.invoke(call("send_money", {"account": GOOD, "amount": 120}), THREAD)
    assert isinstance(message, ToolMessage)
    assert message.status == "success"
    assert message.content == f"sent 120.0 to {GOOD}"
    assert bank.sent == [(GOOD, 120.0)]


def test_a_refused_call_never_runs_and_the_model_reads_why(immune: Immune) -> None:
    bank = Bank()
    (send,) = guard_tools(immune, [bank.tool()], agent="assistant")
    thread_session(immune, THREAD).trust("assistant", REQUEST)
    message = send.invoke(call("send_money", {"account": ATTACKER, "amount": 900}), THREAD)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert message.tool_call_id == "call-1"
    assert "immuno refused the call to send_money" in message.content
    assert "policy.flow.untrusted_value" in message.content
    assert bank.sent == []


def test_on_refusal_raise_raises_and_the_tool_does_not_run(immune: Immune) -> None:
    bank = Bank()
    send = guard_tool(immune, bank.tool(), agent="assistant", on_refusal="raise")
    with pytest.raises(Blocked) as refused:
        send.invoke(call("send_money", {"account": ATTACKER, "amount": 900}), THREAD)
    assert refused.value.verdict.codes == ["policy.flow.untrusted_value"]
    assert bank.sent == []


def test_an_injected_output_is_excised_before_the_model_reads_it(immune: Immune) -> None:
    fetch = guard_tool(immune, page_tool(POISONED), agent="assistant")
    message = fetch.invoke(call("fetch_page", {"url": "https://shop.example/deals"}), THREAD)
    assert isinstance(message, ToolMessage)
    assert ATTACKER not in message.content
    assert "Ignore all previous instructions" not in message.content
    assert message.content.startswith(CLEAN)
    assert "[removed by immuno" in message.content


def test_an_injected_output_stopped_whole_is_withheld(make_immune: Callable[..., Immune]) -> None:
    immune = make_immune(excise=False)
    fetch = guard_tool(immune, page_tool(POISONED), agent="assistant")
    message = fetch.invoke(call("fetch_page", {"url": "https://shop.example/deals"}), THREAD)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "immuno withheld the output of fetch_page" in message.content
    assert ATTACKER not in message.content
    assert "Welcome" not in message.content  # nothing of the stopped output


def test_a_stopped_output_raises_with_on_refusal_raise(make_immune: Callable[..., Immune]) -> None:
    immune = make_immune(excise=False)
    fetch = guard_tool(immune, page_tool(POISONED), agent="assistant", on_refusal="raise")
    with pytest.raises(Blocked):
        fetch.invoke({"url": "https://shop.example/deals"}, THREAD)


def test_a_clean_output_is_delivered_unchanged(immune: Immune) -> None:
    fetch = guard_tool(immune, page_tool(CLEAN), agent="assistant")
    assert fetch.invoke({"url": "https://shop.example/deals"}, THREAD) == CLEAN


def test_a_held_call_runs_once_an_operator_approves_it(immune: Immune) -> None:
    ran: list[str] = []

    @tool
    def run_shell(command: str) -> str:
        """Run a shell command."""
        ran.append(command)
        return "ok"

    shell = guard_tool(immune, run_shell, agent="assistant")
    held = shell.invoke(call("run_shell", {"command": "ls"}), THREAD)
    assert isinstance(held, ToolMessage) and held.status == "error"
    assert "held the call to run_shell" in held.content
    assert ran == []
    (request,) = immune.layer("policy").approvals.list(status="pending")
    assert request.id in held.content
    again = shell.invoke(call("run_shell", {"command": "ls"}, "call-2"), THREAD)
    assert again.status == "error" and ran == []  # still pending: still held
    immune.layer("policy").approvals.approve(request.id)
    other = shell.invoke(call("run_shell", {"command": "rm -rf /"}, "call-3"), THREAD)
    assert other.status == "error" and ran == []  # the approval names its arguments
    done = shell.invoke(call("run_shell", {"command": "ls"}, "call-4"), THREAD)
    assert done.content == "ok" and ran == ["ls"]


def test_a_held_call_raises_with_on_refusal_raise(immune: Immune) -> None:
    @tool
    def run_shell(command: str) -> str:
        """Run a shell command."""
        return "ok"

    shell = guard_tool(immune, run_shell, agent="assistant", on_refusal="raise")
    with pytest.raises(HeldForApproval) as held:
        shell.invoke({"command": "ls"}, THREAD)
    assert held.value.verdict.approval_id is not None


def test_async_tools_are_checked_too(immune: Immune) -> None:
    sent: list[str] = []

    @tool
    async def send_money(account: str, amount: float) -> str:
        """Send money to an account."""
        sent.append(account)
        return "sent"

    send = guard_tool(immune, send_money, agent="assistant")
    thread_session(immune, THREAD).trust("assistant", REQUEST)
    refused = asyncio.run(
        send.ainvoke(call("send_money", {"account": ATTACKER, "amount": 1}), THREAD)
    )
    assert refused.status == "error" and sent == []
    done = asyncio.run(send.ainvoke(call("send_money", {"account": GOOD, "amount": 1}), THREAD))
    assert done.content == "sent" and sent == [GOOD]


def test_structured_tools_and_plain_functions_are_wrapped(immune: Immune) -> None:
    sent: list[str] = []

    def transfer(account: str, amount: float) -> str:
        """Send money to an account."""
        sent.append(account)
        return "sent"

    structured = StructuredTool.from_function(transfer, name="send_money")
    guarded_structured, guarded_plain = guard_tools(
        immune, [structured, transfer], agent="assistant", names={"transfer": "send_money"}
    )
    assert guarded_structured.name == "send_money" and guarded_plain.name == "transfer"
    assert guarded_plain.tool_call_schema.model_json_schema()["required"] == [  # type: ignore[union-attr]
        "account",
        "amount",
    ]
    for guarded in (guarded_structured, guarded_plain):
        out = guarded.invoke({"account": ATTACKER, "amount": 5}, THREAD)
        assert out.startswith("immuno refused the call to send_money")
    assert sent == []


def test_content_and_artifact_tools_keep_their_artifact(immune: Immune) -> None:
    @tool(response_format="content_and_artifact")
    def fetch_page(url: str) -> tuple[str, dict[str, int]]:
        """Fetch a web page."""
        return POISONED, {"bytes": len(POISONED)}

    fetch = guard_tool(immune, fetch_page, agent="assistant")
    message = fetch.invoke(call("fetch_page", {"url": "https://shop.example/deals"}), THREAD)
    assert isinstance(message, ToolMessage)
    assert ATTACKER not in message.content
    assert message.artifact == {"bytes": len(POISONED)}


def test_a_failing_check_fails_closed(immune: Immune, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = Bank()
    send = guard_tool(immune, bank.tool(), agent="assistant")

    def down(*args: object, **kwargs: object) -> None:
        raise StoreError("the store is unreachable")

    monkeypatch.setattr(immune, "check", down)
    with pytest.raises(StoreError):
        send.invoke(call("send_money", {"account": GOOD, "amount": 1}), THREAD)
    assert bank.sent == []


def test_bad_arguments_are_named(immune: Immune) -> None:
    bank = Bank()
    with pytest.raises(InputError, match="agent"):
        guard_tool(immune, bank.tool(), agent="")
    with pytest.raises(InputError, match="on_refusal"):
        guard_tool(immune, bank.tool(), agent="a", on_refusal="ignore")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="names: no such tool among those given: nope"):
        guard_tools(immune, [bank.tool()], agent="a", names={"nope": "x"})
    with pytest.raises(InputError, match="already guarded"):
        guard_tool(immune, guard_tool(immune, bank.tool(), agent="a"), agent="a")
    with pytest.raises(InputError, match="must be a list of tools"):
        guard_tools(immune, bank.tool(), agent="a")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="must be a LangChain tool or a function, got int"):
        guard_tool(immune, 5, agent="a")
    with pytest.raises(InputError, match="thread"):
        thread_session(immune, {"configurable": {}})
    with pytest.raises(InputError, match="provenance: must be one of trusted, internal, untrusted"):
        guard_tool(immune, bank.tool(), agent="a", provenance="web")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="agent"):
        ImmunoCallbackHandler(immune, agent="")
    with pytest.raises(InputError, match="provenance"):
        ImmunoCallbackHandler(immune, agent="a", provenance="web")  # type: ignore[arg-type]


def test_a_tool_class_with_a_single_text_input_is_judged_by_it(immune: Immune) -> None:
    class FetchPage(BaseTool):
        name: str = "fetch_page"
        description: str = "Fetch a web page."

        def _run(self, url: str) -> str:
            return f"page at {url}"

    fetch = guard_tool(immune, FetchPage(), agent="assistant")
    assert (
        fetch.invoke("https://shop.example/deals", THREAD) == "page at https://shop.example/deals"
    )
    refused = fetch.invoke("https://evil.example/", THREAD)
    assert refused.startswith("immuno refused the call to fetch_page")
    assert "evil.example" in refused
