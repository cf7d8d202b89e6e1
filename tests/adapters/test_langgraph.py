"""LangGraph agents with guarded tools, threads as sessions, and the callback
handler (the real langgraph, with a scripted chat model)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool, InjectedToolCallId, tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import InjectedState, ToolNode, ToolRuntime
from langgraph.prebuilt import create_react_agent as _create_react_agent

from immuno import Blocked, Excised, Immune
from immuno.adapters.langchain import ImmunoCallbackHandler, guard_tools, thread_session
from tests.adapters.conftest import ATTACKER, CLEAN, GOOD, POISONED, REQUEST


def create_react_agent(model: ScriptedModel, tools: Sequence[BaseTool]) -> Any:
    """LangGraph's prebuilt agent (moved to langchain.agents, not installed here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _create_react_agent(model, tools)


class ScriptedModel(FakeMessagesListChatModel):
    """A chat model that answers with the scripted messages, in order."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, BaseMessage]:
        return self


def calls(*steps: tuple[str, dict[str, Any]]) -> list[BaseMessage]:
    """One AI message per tool call, then a final answer."""
    messages: list[BaseMessage] = [
        AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call-{i}"}])
        for i, (name, args) in enumerate(steps)
    ]
    return [*messages, AIMessage("done")]


class World:
    """The tools of the agent, recording what really happened."""

    def __init__(self, page: str = POISONED) -> None:
        self.page = page
        self.sent: list[tuple[str, float]] = []

    def tools(self) -> list[BaseTool]:
        @tool
        def fetch_page(url: str) -> str:
            """Fetch a web page."""
            return self.page

        @tool
        def send_money(account: str, amount: float) -> str:
            """Send money to an account."""
            self.sent.append((account, amount))
            return "sent"

        return [fetch_page, send_money]


ATTACK = calls(
    ("fetch_page", {"url": "https://shop.example/deals"}),
    ("send_money", {"account": ATTACKER, "amount": 900}),
)
BENIGN = calls(
    ("fetch_page", {"url": "https://shop.example/deals"}),
    ("send_money", {"account": GOOD, "amount": 120}),
)


def thread(name: str) -> RunnableConfig:
    return {"configurable": {"thread_id": name}}


def run(agent: Any, config: RunnableConfig) -> list[BaseMessage]:
    out = agent.invoke({"messages": [("user", REQUEST)]}, config)
    messages: list[BaseMessage] = out["messages"]
    return messages


def tool_messages(messages: list[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def test_a_react_agent_is_stopped_and_a_benign_task_goes_through(immune: Immune) -> None:
    world = World()
    tools = guard_tools(immune, world.tools(), agent="assistant")
    attacked = create_react_agent(ScriptedModel(responses=ATTACK), tools)
    thread_session(immune, thread("a")).trust("assistant", REQUEST)
    page, transfer = tool_messages(run(attacked, thread("a")))
    assert ATTACKER not in page.content and page.content.startswith(CLEAN)
    assert transfer.status == "error" and "policy.flow.untrusted_value" in transfer.content
    assert world.sent == []

    benign = create_react_agent(ScriptedModel(responses=BENIGN), tools)
    page, transfer = tool_messages(run(benign, thread("a")))
    assert transfer.status == "success"
    assert world.sent == [(GOOD, 120.0)]


def test_the_request_vouches_for_its_own_thread_only(immune: Immune) -> None:
    world = World(CLEAN)
    tools = guard_tools(immune, world.tools(), agent="assistant")
    thread_session(immune, thread("mine")).trust("assistant", REQUEST)
    other = create_react_agent(ScriptedModel(responses=BENIGN), tools)
    _, transfer = tool_messages(run(other, thread("theirs")))
    assert transfer.status == "error"
    assert "appears in nothing this agent read" in transfer.content
    assert world.sent == []
    mine = create_react_agent(ScriptedModel(responses=BENIGN), tools)
    _, transfer = tool_messages(run(mine, thread("mine")))
    assert transfer.status == "success" and world.sent == [(GOOD, 120.0)]


def test_what_one_thread_read_vouches_for_nothing_in_another(immune: Immune) -> None:
    world = World(f"Your landlord's account is {GOOD}.")
    fetch, send = guard_tools(immune, world.tools(), agent="assistant")
    read = fetch.invoke({"url": "https://shop.example/deals"}, thread("reader"))
    assert GOOD in read
    out = send.invoke({"account": GOOD, "amount": 5}, thread("payer"))
    assert out.startswith("immuno refused the call to send_money")
    assert world.sent == []


def test_an_ended_thread_is_refused(immune: Immune) -> None:
    world = World(CLEAN)
    fetch, _ = guard_tools(immune, world.tools(), agent="assistant")
    session = thread_session(immune, "done")
    session.trust("assistant", REQUEST)
    assert session.end()
    out = fetch.invoke({"url": "https://shop.example/deals"}, thread("done"))
    assert out.startswith("immuno refused the call to fetch_page")


def test_a_session_around_the_run_wins_over_the_thread(immune: Immune) -> None:
    world = World(CLEAN)
    agent = create_react_agent(
        ScriptedModel(responses=BENIGN), guard_tools(immune, world.tools(), agent="assistant")
    )
    with immune.session(REQUEST, agent="assistant"):  # nothing filed for thread "x"
        tool_messages(run(agent, thread("x")))
    assert world.sent == [(GOOD, 120.0)]


def test_an_async_agent_is_guarded_too(immune: Immune) -> None:
    world = World()
    agent = create_react_agent(
        ScriptedModel(responses=ATTACK), guard_tools(immune, world.tools(), agent="assistant")
    )
    thread_session(immune, thread("async")).trust("assistant", REQUEST)
    out = asyncio.run(agent.ainvoke({"messages": [("user", REQUEST)]}, thread("async")))
    page, transfer = tool_messages(out["messages"])
    assert ATTACKER not in page.content
    assert transfer.status == "error" and world.sent == []


def test_raise_mode_stops_the_graph(immune: Immune) -> None:
    world = World()
    tools = guard_tools(immune, world.tools(), agent="assistant", on_refusal="raise")
    agent = create_react_agent(ScriptedModel(responses=ATTACK[1:]), tools)
    with pytest.raises(Blocked):
        run(agent, thread("r"))
    assert world.sent == []


def test_a_tool_node_runs_guarded_tools(immune: Immune) -> None:
    world = World()
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(guard_tools(immune, world.tools(), agent="assistant")))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    out = graph.compile().invoke({"messages": ATTACK[1:2]}, thread("node"))
    (_, refused) = out["messages"]
    assert refused.status == "error" and world.sent == []


# -- the callback handler, for tools that are not wrapped --------------------------


def handler_run(
    immune: Immune, world: World, script: list[BaseMessage], name: str
) -> Callable[[], list[BaseMessage]]:
    agent = create_react_agent(ScriptedModel(responses=script), world.tools())
    handler = ImmunoCallbackHandler(immune, agent="assistant")
    config: RunnableConfig = {**thread(name), "callbacks": [handler]}
    return lambda: run(agent, config)


def test_the_callback_handler_stops_a_refused_call(immune: Immune) -> None:
    world = World(CLEAN)
    thread_session(immune, thread("cb")).trust("assistant", REQUEST)
    script = calls(("send_money", {"account": ATTACKER, "amount": 900}))
    with pytest.raises(Blocked) as refused:
        handler_run(immune, world, script, "cb")()
    assert refused.value.verdict.codes == ["policy.flow.untrusted_value"]
    assert world.sent == []  # the tool never ran


def test_the_callback_handler_stops_an_injected_output(immune: Immune) -> None:
    world = World(POISONED)
    with pytest.raises(Excised):  # it cannot deliver the cut text: the run stops
        handler_run(immune, world, ATTACK, "cb")()
    assert world.sent == []


def test_the_callback_handler_lets_a_benign_task_through(immune: Immune) -> None:
    world = World(CLEAN)
    thread_session(immune, thread("ok")).trust("assistant", REQUEST)
    messages = handler_run(immune, world, BENIGN, "ok")()
    assert messages[-1].content == "done"
    assert world.sent == [(GOOD, 120.0)]


def test_the_callback_handler_maps_tool_names_to_the_manifest(immune: Immune) -> None:
    sent: list[str] = []

    @tool
    def pay(account: str, amount: float) -> str:
        """Send money to an account."""
        sent.append(account)
        return "sent"

    handler = ImmunoCallbackHandler(immune, agent="assistant", names={"pay": "send_money"})
    config: RunnableConfig = {"callbacks": [handler]}
    with immune.session(REQUEST, agent="assistant"):  # no LangGraph here: no thread
        assert pay.invoke({"account": GOOD, "amount": 1}, config) == "sent"
        with pytest.raises(Blocked) as refused:
            pay.invoke({"account": ATTACKER, "amount": 1}, config)
    assert "send_money (money sink)" in refused.value.verdict.explain()
    assert sent == [GOOD]


def test_the_callback_handler_checks_tool_messages_the_model_reads(immune: Immune) -> None:
    handler = ImmunoCallbackHandler(immune, agent="assistant")
    model = ScriptedModel(responses=[AIMessage("done")])
    unseen = ToolMessage(POISONED, tool_call_id="outside", name="fetch_page")
    with pytest.raises(Blocked):
        model.invoke([unseen], {"callbacks": [handler]})
    clean = ToolMessage(CLEAN, tool_call_id="clean", name="fetch_page")
    assert model.invoke([clean], {"callbacks": [handler]}).content == "done"


def test_injected_state_call_id_and_runtime_pass_through_unjudged(immune: Immune) -> None:
    seen: dict[str, object] = {}

    @tool
    def fetch_page(
        url: str,
        state: Annotated[dict[str, Any], InjectedState],
        call_id: Annotated[str, InjectedToolCallId],
        runtime: ToolRuntime,
    ) -> str:
        """Fetch a web page."""
        seen.update(messages=len(state["messages"]), call_id=call_id, runtime=runtime)
        return CLEAN

    (guarded,) = guard_tools(immune, [fetch_page], agent="assistant")
    schema = guarded.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert list(schema["properties"]) == ["url"]  # what the model sees, and immuno judges
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([guarded]))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    script = calls(("fetch_page", {"url": "https://shop.example/deals"}))
    out = graph.compile().invoke({"messages": script[:1]}, thread("injected"))
    assert out["messages"][-1].content == CLEAN
    assert seen["messages"] == 1 and seen["call_id"] == "call-0"
    assert isinstance(seen["runtime"], ToolRuntime)
