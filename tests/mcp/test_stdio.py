"""A real client, the proxy over stdio, the real test server: calls and results."""

from __future__ import annotations

import pytest

from immuno.core.verdict import EXCISED_MARK
from immuno.mcp_proxy.pins import Pins
from immuno.policy.approvals import Approvals
from immuno.store import open_store
from tests import backends
from tests.mcp.clients import Run, via_stdio
from tests.mcp.conftest import Workdir, make_workdir


@pytest.fixture(scope="module")
def clean(
    tmp_path_factory: pytest.TempPathFactory, shared_schemas: backends.Schemas
) -> tuple[Workdir, Run]:
    """One connection to the unchanged server, making every call of ``CALLS``."""
    workdir = make_workdir(tmp_path_factory.mktemp("stdio"), schemas=shared_schemas)
    return workdir, via_stdio(workdir, reads=True)


def test_a_clean_server_s_tools_are_served_and_pinned(clean: tuple[Workdir, Run]) -> None:
    workdir, run = clean
    assert run.server == "notes"
    assert set(run.tools) == {"read_note", "fetch_page", "send_mail", "delete_note"}
    store = open_store(workdir.location)
    try:
        pins = Pins(store, lambda: 0.0).list("notes")
    finally:
        store.close()
    assert {(p.tool, p.status) for p in pins} == {(name, "pinned") for name in run.tools}


def test_an_allowed_call_reaches_the_server(clean: tuple[Workdir, Run]) -> None:
    workdir, run = clean
    assert not run.results["read_note"].is_error
    assert run.text("read_note") == "milk, eggs, bread"
    assert "read_note" in workdir.called()


def test_a_denied_call_is_refused_with_its_reason_and_never_runs(
    clean: tuple[Workdir, Run],
) -> None:
    workdir, run = clean
    assert run.results["send_mail"].is_error
    assert "immuno refused this call of 'send_mail'" in run.text("send_mail")
    assert "policy.not_granted" in run.text("send_mail")
    assert "send_mail" not in workdir.called()


def test_a_held_call_names_its_approval_and_never_runs(clean: tuple[Workdir, Run]) -> None:
    workdir, run = clean
    text = run.text("delete_note")
    assert run.results["delete_note"].is_error
    store = open_store(workdir.location)
    try:
        pending = Approvals(store, lambda: 0.0).list("pending")
    finally:
        store.close()
    assert [(a.tool, a.agent) for a in pending] == [("delete_note", "assistant")]
    assert f"approval {pending[0].id}" in text
    assert '"immuno/approval"' in text
    assert "delete_note" not in workdir.called()


def test_an_injected_result_is_delivered_with_the_injection_cut_out(
    clean: tuple[Workdir, Run],
) -> None:
    _, run = clean
    result = run.results["fetch_page"]
    assert not result.is_error
    assert run.text("fetch_page").startswith("Quarterly update: revenue grew 4%")
    assert EXCISED_MARK in run.text("fetch_page")
    assert "ignore all previous" not in run.text("fetch_page").lower()
    # the structured copy of the text follows the sanitised text
    assert result.structured_content == {"result": run.text("fetch_page")}


def test_a_tool_not_listed_through_the_proxy_is_refused(clean: tuple[Workdir, Run]) -> None:
    workdir, run = clean
    assert run.results["count_words"].is_error
    assert "mcp.tool.unlisted" in run.text("count_words")
    assert "count_words" not in workdir.called()


def test_a_resource_and_a_prompt_are_checked_like_tool_output(
    clean: tuple[Workdir, Run],
) -> None:
    _, run = clean
    assert run.resource.startswith("Quarterly update: revenue grew 4%")
    assert EXCISED_MARK in run.resource and "ssh" not in run.resource
    assert run.prompt == "Summarise the note groceries in one sentence."
