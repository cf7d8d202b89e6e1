"""The MCP server the MCP proxy benchmarks talk to (the SDK's MCPServer).

    python _mcp_server.py                # stdio
    python _mcp_server.py --http PORT    # streamable HTTP on 127.0.0.1:PORT/mcp

``read_doc`` returns a realistic 2 KB e-mail thread (``_tooloutput.py``), another one
each call (a pool made at start, larger than a run's calls: no filing meets a text,
or a number in its context, that it has seen before). The other tools give the
listing what real servers list: optional arguments, enums, lists, a nested object,
annotations.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

sys.path.insert(0, str(Path(__file__).parent))
from _tooloutput import email

DOCS = [email(2048, seed) for seed in range(5000)]
_served = iter(range(10**9))
server = MCPServer("docs", log_level="WARNING")


@server.tool(
    description="Read a document by its name.", annotations=ToolAnnotations(readOnlyHint=True)
)
def read_doc(name: str) -> str:
    return DOCS[next(_served) % len(DOCS)]


class Window(BaseModel):
    start: str = Field(description="First day, ISO 8601.")
    end: str | None = Field(default=None, description="Last day; open when absent.")


@server.tool(description="Search documents.", annotations=ToolAnnotations(readOnlyHint=True))
def search(
    query: str,
    limit: int = Field(default=10, ge=1, le=100),
    tags: list[str] | None = None,
    order: Literal["newest", "oldest", "relevance"] = "relevance",
    window: Window | None = None,
) -> list[str]:
    return [query][:limit]


@server.tool(
    description="Send a document by e-mail.",
    annotations=ToolAnnotations(destructiveHint=False, openWorldHint=True),
)
def send_doc(name: str, to: list[str], note: str = "") -> str:
    return f"sent {name} to {len(to)}"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
