"""List a server's tools with the SDK's own client (for ``immuno mcp manifest``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import PaginatedRequestParams

from immuno.core.errors import InputError
from immuno.mcp_proxy.http import check_url
from immuno.mcp_proxy.stdio import resolve

TIMEOUT = 60.0  # seconds to start the server and list its tools
MAX_PAGES = 100


async def _listed(session: ClientSession) -> tuple[list[dict[str, Any]], str]:
    started = await session.initialize()
    tools: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(
            t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in page.tools
        )
        cursor = page.next_cursor
        if not cursor:
            break
    return tools, started.server_info.name


def _errlog() -> TextIO:
    """Where the server's stderr goes: ours, or the process's own when ours is not a
    file (a captured stream)."""
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.__stderr__ or sys.stderr
    return sys.stderr


async def _from_command(argv: Sequence[str]) -> tuple[list[dict[str, Any]], str]:
    params = StdioServerParameters(command=argv[0], args=list(argv[1:]), env=dict(os.environ))
    transport = stdio_client(params, errlog=_errlog())
    async with transport as (read, write), ClientSession(read, write) as session:
        return await _listed(session)


async def _from_url(url: str) -> tuple[list[dict[str, Any]], str]:
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
        return await _listed(session)


def list_tools(command: Sequence[str], upstream: str | None) -> tuple[list[dict[str, Any]], str]:
    """Every tool the server lists (as ``tools/list`` gives them), and its name."""
    target = check_url(upstream) if upstream is not None else " ".join(command)
    argv = resolve(command) if upstream is None else []

    async def run() -> tuple[list[dict[str, Any]], str]:
        with anyio.fail_after(TIMEOUT):
            return await (_from_url(target) if upstream is not None else _from_command(argv))

    try:
        return anyio.run(run)
    except TimeoutError:
        raise InputError("server", f"{target}: no tool list within {TIMEOUT:g} s") from None
    except Exception as exc:
        raise InputError("server", f"{target}: could not list its tools: {_cause(exc)}") from None


def _cause(exc: BaseException) -> str:
    """The first real error inside the task groups' exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"
