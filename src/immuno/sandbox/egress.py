"""The egress proxy: the only way out of a sandbox, and only to the declared hosts.

A sandbox has a network namespace of its own with nothing but loopback. A tool whose
manifest declares hosts gets this proxy's unix socket bound into it, and a forwarder
inside (child.py) that serves it as ``HTTP_PROXY``/``HTTPS_PROXY`` on the sandbox's
own 127.0.0.1. The proxy runs outside, on the caller's side, and:

- takes ``CONNECT host:port`` (any TLS or TCP) and absolute-form HTTP requests
  (``GET http://host/path``), nothing else;
- allows a destination only when a declared host rule matches its name and port;
- resolves a name itself, once, and connects to that address (never to a second
  answer), refusing loopback, private, link-local and other non-public addresses: a
  name that resolves there is DNS rebinding. An IP literal is allowed only when the
  rule names that very address;
- refuses a plain HTTP request whose ``Host`` header names another host than its URL;
- logs every connection, allowed or refused, and keeps the list for the run's outcome.

What it cannot see: inside an allowed CONNECT tunnel the bytes are the tool's (TLS), so
a server that hosts many names at one address (a CDN) is reached for any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from immuno.sandbox.spec import HostRule

log = logging.getLogger("immuno.sandbox.egress")

Resolver = Callable[[str, int], Sequence[str]]
HEAD_LIMIT = 16 * 1024
CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    address: str | None  # what the proxy connected to (or would have)
    allowed: bool
    reason: str  # why refused, or "allowed"

    def __str__(self) -> str:
        via = f" ({self.address})" if self.address and self.address != self.host else ""
        return f"{self.host}:{self.port}{via}"


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class Refusal(Exception):
    pass


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


class EgressProxy:
    """One proxy for one sandboxed run, on a unix socket, in a thread of its own."""

    def __init__(
        self, hosts: Sequence[HostRule], *, tool: str, resolver: Resolver = system_resolver
    ) -> None:
        self.hosts = tuple(hosts)
        self.tool = tool
        self.resolver = resolver
        self.connections: list[Connection] = []
        self._folder = tempfile.mkdtemp(prefix="immuno-egress-")
        self.socket_path = os.path.join(self._folder, "egress.sock")
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="immuno-egress", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> EgressProxy:
        self._thread.start()
        if not self._ready.wait(5.0) or self._server is None:
            raise RuntimeError("the egress proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                asyncio.start_unix_server(self._handle, path=self.socket_path)
            )
            os.chmod(self.socket_path, 0o666)
        finally:
            self._ready.set()
        self._loop.run_forever()
        # Stopped: cancel the connections still open and let each finish unwinding
        # (a pipe's two copies included) before the loop is closed.
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())

    def close(self) -> None:
        if self._thread.is_alive():

            def stop() -> None:
                if self._server is not None:
                    self._server.close()
                self._loop.stop()

            self._loop.call_soon_threadsafe(stop)
            self._thread.join(5.0)
        if not self._loop.is_running():
            self._loop.close()
        with contextlib.suppress(OSError):
            os.unlink(self.socket_path)
        with contextlib.suppress(OSError):
            os.rmdir(self._folder)

    def _record(self, connection: Connection) -> None:
        with self._lock:
            self.connections.append(connection)
        if connection.allowed:
            log.info("sandbox %s: connect %s allowed", self.tool, connection)
        else:
            log.warning(
                "sandbox %s: connect %s refused: %s", self.tool, connection, connection.reason
            )

    # -- one client connection ----------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CONNECT_TIMEOUT)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        try:
            await self._route(head, reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _route(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rpartition(" ")[0]
        headers = [line.partition(":") for line in lines[1:] if line]
        if method == "CONNECT":
            host, port = _authority(target, 443)
            if host is None:
                return await _answer(writer, 400, "CONNECT needs host:port")
            address = await self._admit(host, port, writer)
            if address is None:
                return
            upstream = await self._open(address, port, host, writer)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await _pipe(reader, writer, *upstream)
            return
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            return await _answer(writer, 400, "only CONNECT and absolute http:// requests")
        host, port = url.hostname.lower(), url.port or 80
        claimed = [v.strip().lower() for k, _, v in headers if k.strip().lower() == "host"]
        if any(_authority(c, 80) != (host, port) for c in claimed):
            self._record(Connection(host, port, None, False, f"Host header names {claimed[0]}"))
            return await _answer(writer, 403, "the Host header names another host than the URL")
        address = await self._admit(host, port, writer)
        if address is None:
            return
        upstream = await self._open(address, port, host, writer)
        if upstream is None:
            return
        path = url.path or "/"
        kept = [f"{k}:{v}" for k, _, v in headers if k.strip().lower() not in _HOP]
        request = [f"{method} {path}{'?' + url.query if url.query else ''} HTTP/1.1", *kept]
        request += ["Connection: close", "", ""]
        upstream[1].write("\r\n".join(request).encode("latin-1"))
        await _pipe(reader, writer, *upstream)

    async def _admit(self, host: str, port: int, writer: asyncio.StreamWriter) -> str | None:
        """The address to connect to, or None after refusing (and recording) it."""
        try:
            address = await self._check(host, port)
        except Refusal as refused:
            self._record(Connection(host, port, None, False, str(refused)))
            await _answer(writer, 403, f"immuno: {refused}")
            return None
        self._record(Connection(host, port, address, True, "allowed"))
        return address

    async def _check(self, host: str, port: int) -> str:
        literal = _ip(host)
        if literal is not None:
            if any(rule.ip == literal and rule.matches(str(literal), port) for rule in self.hosts):
                return str(literal)
            raise Refusal(f"{host}:{port} is not a declared host")
        if not any(rule.ip is None and rule.matches(host, port) for rule in self.hosts):
            raise Refusal(f"{host}:{port} is not a declared host")
        try:
            answers = await asyncio.get_running_loop().run_in_executor(
                None, self.resolver, host, port
            )
        except OSError as exc:
            raise Refusal(f"{host} does not resolve ({exc})") from None
        if not answers:
            raise Refusal(f"{host} does not resolve")
        private = [a for a in answers if not _public(a)]
        if private:
            raise Refusal(f"{host} resolves to a non-public address ({private[0]}): refused")
        return str(answers[0])

    async def _open(
        self, address: str, port: int, host: str, writer: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            return await asyncio.wait_for(asyncio.open_connection(address, port), CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            log.info("sandbox %s: %s:%d unreachable (%s)", self.tool, host, port, exc)
            await _answer(writer, 502, f"{host}:{port} unreachable")
            return None


_HOP = {"connection", "proxy-connection", "keep-alive", "proxy-authorization", "te", "upgrade"}


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _authority(text: str, default_port: int) -> tuple[str | None, int]:
    parsed = urlsplit(f"//{text.strip()}")
    try:
        port = parsed.port or default_port
    except ValueError:
        return None, 0
    return (parsed.hostname.lower() if parsed.hostname else None), port


async def _answer(writer: asyncio.StreamWriter, status: int, why: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = (why + "\n").encode()
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except ConnectionError:
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                dst.write_eof()

    try:
        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
    finally:
        up_writer.close()
