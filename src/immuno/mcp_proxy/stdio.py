"""The stdio transport: the client starts the proxy as if it were the server; the proxy
starts the real server and relays newline-delimited JSON-RPC between the two.

One connection, one immuno session (ended when the client closes its end). The
server's stderr is the proxy's stderr; the proxy writes only protocol messages to
its stdout. When the client closes stdin, the server's stdin is closed and the
server given a few seconds to exit (then terminated); the proxy exits with its
status.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Callable, Sequence

from immuno.core.errors import InputError
from immuno.mcp_proxy.relay import Connection, Relay

LINE_LIMIT = 64 * 1024 * 1024  # bytes in one message
EXIT_GRACE = 5.0  # seconds the server has to exit once its stdin is closed


def resolve(command: Sequence[str]) -> list[str]:
    """The server command with its program found, or an InputError naming it."""
    if not command:
        raise InputError(
            "command", "no server command given: put it after --, e.g. -- python server.py"
        )
    program = command[0]
    found = shutil.which(program)
    if found is None:
        raise InputError("command", f"cannot run {program!r}: not found or not executable")
    return [found, *command[1:]]


async def _pipe_reader(stream: object) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stream)
    return reader


class _Out:
    """The proxy's stdout: whole lines, written in order, never interleaved."""

    def __init__(self) -> None:
        self._fd = sys.stdout.buffer.fileno()

    def write(self, line: bytes) -> None:
        data = line + b"\n"
        while data:
            written = os.write(self._fd, data)
            data = data[written:]


async def run(relay: Callable[[], Relay], command: Sequence[str]) -> int:
    """Relay between this process's stdio and the server ``command``; its exit status.

    ``relay`` builds the relay once the server is starting, so the two start together.
    """
    argv = resolve(command)
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        proxy = relay()
        try:
            client = await _pipe_reader(sys.stdin.buffer)
        except ValueError:
            raise InputError("stdin", "must be a pipe from an MCP client") from None
    except BaseException:
        process.kill()
        await process.wait()
        raise
    connection = proxy.connect()
    out = _Out()
    downstream = asyncio.create_task(_from_client(connection, client, process.stdin, out))
    upstream = asyncio.create_task(_from_server(connection, process.stdout, out))
    # A client that stops the proxy (SIGTERM) ends it like a closed stdin: the server
    # is asked to exit, the session ended and what the pipeline buffers written.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, downstream.cancel)
    try:
        await asyncio.wait({downstream, upstream}, return_when=asyncio.FIRST_COMPLETED)
        if upstream.done():  # the server closed its stdout: the connection is over
            downstream.cancel()
            return await process.wait()
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            status = await asyncio.wait_for(process.wait(), EXIT_GRACE)
        except TimeoutError:
            process.terminate()
            status = await process.wait()
        with contextlib.suppress(TimeoutError):  # what the server wrote before exiting
            await asyncio.wait_for(upstream, EXIT_GRACE)
        return status
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for task in (downstream, upstream):
            task.cancel()
        proxy.close(connection)


async def _line(stream: asyncio.StreamReader, side: str) -> bytes:
    """The next message line; empty at the end, or when a message exceeds the limit
    (it cannot be checked whole, so the connection ends)."""
    try:
        return await stream.readline()
    except ValueError:
        limit = LINE_LIMIT // (1024 * 1024)
        print(f"immuno mcp: a {side} message exceeds {limit} MB; closing", file=sys.stderr)
        return b""


async def _from_client(
    connection: Connection,
    client: asyncio.StreamReader,
    server: asyncio.StreamWriter,
    out: _Out,
) -> None:
    while line := await _line(client, "client"):
        line = line.strip()
        if not line:
            continue
        routed = connection.from_client(line)
        if routed.to_client is not None:
            out.write(routed.to_client)
        if routed.to_server is not None:
            try:
                server.write(routed.to_server + b"\n")
                await server.drain()
            except (ConnectionError, OSError):
                return  # the server is gone: stop reading the client


async def _from_server(connection: Connection, server: asyncio.StreamReader, out: _Out) -> None:
    while line := await _line(server, "server"):
        line = line.strip()
        if not line:
            continue
        delivered = connection.from_server(line)
        if delivered is not None:
            out.write(delivered)
