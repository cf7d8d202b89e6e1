"""Sessions and de-duplication: a conversation re-sent on every turn is judged once
per message, and its turns share one session."""

from __future__ import annotations

from collections.abc import Callable

from tests.chat_proxy.conftest import ASK, OWN_COMPACT, Rig, decode
from tests.chat_proxy.fake_upstream import call, completion
from tests.chat_proxy.test_requests import PAGE, fetched


def test_each_message_is_judged_once_across_turns(rig: Rig) -> None:
    history: list[dict[str, object]] = [
        {"role": "system", "content": "You are a careful assistant."},
        {"role": "user", "content": "What's the weather in Paris?"},
    ]
    rig.upstream.reply(completion("Sunny."))
    rig.chat(history)
    assert rig.kinds() == ["message", "message", "output"]
    history += [
        {"role": "assistant", "content": "Sunny."},
        {"role": "user", "content": "And in Rome?"},
    ]
    rig.upstream.reply(completion("Cloudy."))
    rig.chat(history)
    # only the new user message, and the new reply
    assert rig.kinds() == ["message", "message", "output", "message", "output"]
    rig.upstream.reply(completion("Cloudy."))
    rig.chat(history)  # a retry of the same turn: only its reply is new
    assert rig.kinds()[5:] == ["output"]


def test_a_withheld_result_stays_withheld_on_later_turns(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(excise=[])
    history = fetched(PAGE)
    rig.upstream.reply(completion("That page was withheld."))
    rig.chat(history)
    first = rig.upstream.last.json()["messages"][3]["content"]
    assert first.startswith("[immuno withheld")
    sealed = len(rig.kinds())
    history += [
        {"role": "assistant", "content": "That page was withheld."},
        {"role": "user", "content": "Try another site then."},
    ]
    rig.upstream.reply(completion("Looking."))
    rig.chat(history)
    assert rig.upstream.last.json()["messages"][3]["content"] == first
    assert rig.kinds()[sealed:] == ["message", "output"]  # the page was not judged again


def test_turns_of_a_conversation_share_a_derived_session(rig: Rig) -> None:
    first = [{"role": "user", "content": ASK}]
    rig.upstream.reply(completion("Which amount?"))
    one = rig.chat(first).headers["x-immuno-session"]
    # The next turn carries the user's account from turn one: it vouches for the call.
    later = [
        *first,
        {"role": "assistant", "content": "Which amount?"},
        {"role": "user", "content": "950 EUR, as I said."},
    ]
    transfer = call("call_1", "bank.transfer", {"account": OWN_COMPACT, "amount": 950})
    sent = rig.upstream.reply(completion(None, [transfer]))
    response = rig.chat(later)
    assert response.headers["x-immuno-session"] == one
    assert response.content == sent
    # Another conversation is another session: the account vouches for nothing there.
    rig.upstream.reply(completion(None, [transfer]))
    other = rig.chat([{"role": "user", "content": "Pay the rent, please."}])
    assert other.headers["x-immuno-session"] != one
    assert "tool_calls" not in decode(other)["choices"][0]["message"]


def test_a_named_session_is_used_as_it_is(rig: Rig) -> None:
    rig.upstream.reply(completion("ok"))
    named = rig.chat([{"role": "user", "content": ASK}], {"X-Immuno-Session": "task-42"})
    assert named.headers["x-immuno-session"] == "task-42"
    assert "x-immuno-session" not in rig.upstream.last.headers  # the proxy's own header
    rig.upstream.reply(completion("ok"))
    body = rig.chat([{"role": "user", "content": "hi"}], metadata={"immuno_session": "task-43"})
    assert body.headers["x-immuno-session"] == "task-43"
    assert "metadata" not in rig.upstream.last.json()  # the proxy's own key stays here
    rig.upstream.reply(completion("ok"))
    rig.chat([{"role": "user", "content": "hi"}], metadata={"immuno_session": "t", "app": "x"})
    assert rig.upstream.last.json()["metadata"] == {"app": "x"}
    # What a named session read vouches in it alone, whatever the words of the request.
    transfer = call("call_1", "bank.transfer", {"account": OWN_COMPACT, "amount": 950})
    sent = rig.upstream.reply(completion(None, [transfer]))
    again = rig.chat([{"role": "user", "content": "go ahead"}], {"X-Immuno-Session": "task-42"})
    assert again.content == sent


def test_the_agent_comes_from_the_proxy_or_the_header(make_rig: Callable[..., Rig]) -> None:
    fixed = make_rig()
    refused = fixed.chat([{"role": "user", "content": "hi"}], {"X-Immuno-Agent": "admin"})
    assert refused.status_code == 403
    assert decode(refused)["error"]["field"] == "X-Immuno-Agent"
    open_proxy = make_rig(agent=None)
    missing = open_proxy.chat([{"role": "user", "content": "hi"}])
    assert missing.status_code == 400
    assert "X-Immuno-Agent" in decode(missing)["error"]["message"]
    open_proxy.upstream.reply(completion("hello"))
    named = open_proxy.chat([{"role": "user", "content": "hi"}], {"X-Immuno-Agent": "payments"})
    assert named.status_code == 200
    assert "x-immuno-agent" not in open_proxy.upstream.last.headers


def test_a_bad_session_name_is_refused(rig: Rig) -> None:
    response = rig.chat([{"role": "user", "content": "hi"}], {"X-Immuno-Session": "x" * 201})
    assert response.status_code == 400
    assert decode(response)["error"]["field"] == "X-Immuno-Session"
