"""Real MCP clients (the SDK's ClientSession) driving the test server through the proxy."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, Tool

from tests.mcp.conftest import SERVER, Workdir

TIMEOUT = 60.0  # seconds for one whole client run
CALLS: dict[str, dict[str, Any]] = {
    "read_note": {"name": "groceries"},
    "fetch_page": {"title": "quarterly update"},
    "send_mail": {"to": "someone@example.com", "subject": "notes", "body": "milk, eggs"},
    "delete_note": {"name": "groceries"},
    "count_words": {"text": "one two three"},
}


@dataclass
class Run:
    """What a client saw: the tools listed, each call's result, the proxy's stderr."""

    tools: dict[str, Tool] = field(default_factory=dict)
    results: dict[str, CallToolResult] = field(default_factory=dict)
    resource: str = ""  # the text of notes://wiki/quarterly, as delivered
    prompt: str = ""  # the text of the prompt summarise(name="groceries")
    server: str = ""
    log: str = ""

    def text(self, tool: str) -> str:
        content = self.results[tool].content
        return "\n".join(getattr(block, "text", "") for block in content)


async def _exercise(
    session: ClientSession, calls: Mapping[str, dict[str, Any]], reads: bool = False
) -> Run:
    run = Run(server=(await session.initialize()).server_info.name)
    run.tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    for name, args in calls.items():
        run.results[name] = await session.call_tool(name, args)
    if reads:
        contents = (await session.read_resource("notes://wiki/quarterly")).contents
        run.resource = getattr(contents[0], "text", "")
        prompt = await session.get_prompt("summarise", {"name": "groceries"})
        run.prompt = getattr(prompt.messages[0].content, "text", "")
    return run


def via_stdio(
    workdir: Workdir,
    calls: Mapping[str, dict[str, Any]] = CALLS,
    variant: str = "",
    *proxy_options: str,
    reads: bool = False,
) -> Run:
    """One stdio connection: the client starts the proxy (``--server notes``, unless
    ``--unnamed`` is among the options), the proxy the server; with ``reads``, a
    resource and a prompt are read too."""
    named = [] if "--unnamed" in proxy_options else ["--server", "notes"]
    options = ["--agent", "assistant", *named, *(o for o in proxy_options if o != "--unnamed")]
    command = [*options, "--", sys.executable, str(SERVER)]
    params = StdioServerParameters(
        command=sys.executable, args=workdir.proxy_args(*command), env=workdir.env(variant)
    )
    errlog = workdir.path / "proxy.log"

    async def main() -> Run:
        with anyio.fail_after(TIMEOUT), errlog.open("w", encoding="utf-8") as log:
            transport = stdio_client(params, errlog=log)
            async with transport as (read, write), ClientSession(read, write) as session:
                return await _exercise(session, calls, reads)

    run = anyio.run(main)
    run.log = errlog.read_text(encoding="utf-8")
    return run


def via_http(url: str, calls: Mapping[str, dict[str, Any]] = CALLS) -> Run:
    """One streamable-HTTP connection to ``url``."""

    async def main() -> Run:
        with anyio.fail_after(TIMEOUT):
            transport = streamable_http_client(url)
            async with transport as (read, write), ClientSession(read, write) as session:
                return await _exercise(session, calls)

    return anyio.run(main)
