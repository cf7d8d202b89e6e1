"""The relay core both transports share: one :class:`Connection` per MCP connection.

Every JSON-RPC message goes through :meth:`Connection.from_client` or
:meth:`Connection.from_server`. The proxy acts on these methods and forwards every
other message as it came (its bytes untouched):

* ``initialize`` / ``server/discover``: the server's name (``serverInfo.name``) names
  its pins only when the proxy was given none (``immuno mcp proxy`` always gives one:
  ``--server``, else the server's command line or upstream URL, since a server could
  rename itself to dodge its pins);
* ``tools/list``: the result is filtered by :class:`~immuno.mcp_proxy.listing.ToolGate`;
* ``tools/call``: the call is checked first, the result before the client reads it
  (:class:`~immuno.mcp_proxy.calls.CallGuard`); a tool this connection was not served
  (never listed, withheld, or listed before a ``notifications/tools/list_changed``)
  is refused, so the client lists tools through the proxy first; so is a
  task-augmented call (its result would come back through ``tasks/result``, unchecked);
* ``resources/read``, ``prompts/get``: what they return is checked like a tool's
  output (:mod:`~immuno.mcp_proxy.reads`);
* ``notifications/tools/list_changed``: the tools served so far are forgotten.

Sessions: each connection is one immuno session (a stdio connection; an HTTP
``Mcp-Session-Id``), ended with the connection. A request may name another in
``params._meta["immuno/session"]`` (a session the client opened for a user task,
e.g. through ``POST /v1/sessions`` of ``immuno serve``); ``params._meta
["immuno/approval"]`` presents an approved hold.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

from mcp_types import SERVER_INFO_META_KEY, jsonrpc

from immuno.core.errors import InputError
from immuno.core.pipeline import Immune
from immuno.mcp_proxy import messages
from immuno.mcp_proxy.calls import CallGuard, Stopped
from immuno.mcp_proxy.listing import ToolGate, Withheld
from immuno.mcp_proxy.messages import APPROVAL_META, SESSION_META
from immuno.mcp_proxy.pins import Pins
from immuno.mcp_proxy.reads import METHODS, checked_read

LIST_CHANGED = "notifications/tools/list_changed"


@dataclass(frozen=True)
class Routed:
    """Where a client message goes: on to the server, or answered by the proxy."""

    to_server: bytes | None = None
    to_client: bytes | None = None


@dataclass
class _Pending:
    method: str
    tool: str = ""
    trace: str | None = None


@dataclass
class Connection:
    """The state of one MCP connection: the server's name, the tools it was served,
    the requests waiting for their response, its immuno session."""

    gate: ToolGate
    guard: CallGuard
    server: str | None = None
    named: bool = False  # the server's name was given, not learnt
    session: str = field(default_factory=lambda: f"mcp-{uuid.uuid4().hex}")
    served: set[str] = field(default_factory=set)
    withheld: dict[str, Withheld] = field(default_factory=dict)
    pending: dict[Any, _Pending] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.named = self.server is not None

    # -- client -> server ------------------------------------------------------------

    def from_client(self, raw: bytes) -> Routed:
        head = messages.head(raw)
        if head is None:
            return Routed(to_client=messages.parse_error("not a JSON-RPC message object"))
        method = head.method
        if method is None or head.id is None:
            return Routed(to_server=raw)  # a response or a notification
        if method in ("initialize", "server/discover", "tools/list"):
            self.pending[head.id] = _Pending(method)
            return Routed(to_server=raw)
        if method in METHODS:
            params = (messages.decode(raw) or {}).get("params")
            trace = messages.meta_str(params, SESSION_META) or self.session
            source = f"mcp:{self.server or 'unnamed'}/{method}"
            self.pending[head.id] = _Pending(method, source, trace)
            return Routed(to_server=raw)
        if method == "tools/call":
            return self._call(head.id, raw)
        return Routed(to_server=raw)

    def _call(self, id: Any, raw: bytes) -> Routed:
        message = messages.decode(raw) or {}
        params = message.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        arguments = params.get("arguments", None) if isinstance(params, dict) else None
        if not isinstance(name, str) or not isinstance(arguments, dict | None):
            return Routed(
                to_client=messages.error(
                    id,
                    jsonrpc.INVALID_PARAMS,
                    "tools/call needs params.name (a string) and params.arguments (an object)",
                )
            )
        trace = messages.meta_str(params, SESSION_META) or self.session
        refusal = self._unserved(name)
        if refusal is None and isinstance(params, dict) and params.get("task") is not None:
            # a task's result comes back through tasks/result, which is not checked
            refusal = f"immuno refused this call of {name!r}: task-augmented calls are not relayed"
        if refusal is None:
            approval = messages.meta_str(params, APPROVAL_META)
            refusal = self.guard.refusal(name, arguments or {}, trace, approval)
        if refusal is not None:
            return Routed(to_client=messages.refusal(id, refusal))
        self.pending[id] = _Pending("tools/call", name, trace)
        return Routed(to_server=raw)

    def _unserved(self, name: str) -> str | None:
        if name in self.served:
            return None
        held = self.withheld.get(name)
        if held is not None:
            return f"immuno refused this call of {name!r}: {held.code}: {held.message}"
        return (
            f"immuno refused this call of {name!r}: mcp.tool.unlisted: the proxy has not "
            "served this tool on this connection (list tools through the proxy first)"
        )

    # -- server -> client ------------------------------------------------------------

    def from_server(self, raw: bytes) -> bytes | None:
        """The message to deliver (``raw`` itself when untouched), or None to drop it."""
        head = messages.head(raw)
        if head is None:
            return None  # not a JSON-RPC object: nothing a client can rely on
        if head.method == LIST_CHANGED:
            self.served.clear()
            return raw
        if head.method is not None or head.id is None:
            return raw
        pending = self.pending.pop(head.id, None)
        if pending is None:
            return raw
        message = messages.decode(raw)
        result = message.get("result") if message is not None else None
        if not isinstance(result, dict):
            return raw  # an error response, or a malformed one the client refuses
        if pending.method in ("initialize", "server/discover"):
            self._learn_name(result)
            return raw
        if pending.method == "tools/list":
            return self._listed(head.id, result)
        if pending.method in METHODS:
            return self._read(head.id, raw, pending, result)
        replaced = self.guard.result(pending.tool, result, pending.trace)
        if replaced is None:
            return raw
        return messages.encode({"jsonrpc": "2.0", "id": head.id, "result": replaced})

    def _read(self, id: Any, raw: bytes, pending: _Pending, result: dict[str, Any]) -> bytes:
        try:
            replaced = checked_read(self.guard, pending.method, pending.tool, result, pending.trace)
        except Stopped as stopped:
            return messages.error(id, jsonrpc.INTERNAL_ERROR, stopped.text)
        except Exception as exc:  # fail closed: unchecked content never reaches the model
            problem = f"immuno could not check this {pending.method} result ({exc}); withheld"
            return messages.error(id, jsonrpc.INTERNAL_ERROR, problem)
        if replaced is None:
            return raw
        return messages.encode({"jsonrpc": "2.0", "id": id, "result": replaced})

    def _learn_name(self, result: dict[str, Any]) -> None:
        if self.named:
            return
        info = result.get("serverInfo")
        if info is None and isinstance(result.get("_meta"), dict):
            info = result["_meta"].get(SERVER_INFO_META_KEY)
        name = info.get("name") if isinstance(info, dict) else None
        if isinstance(name, str) and name.strip():
            self.server = name.strip()

    def _listed(self, id: Any, result: dict[str, Any]) -> bytes:
        if self.server is None:
            return messages.error(
                id,
                jsonrpc.INTERNAL_ERROR,
                "immuno mcp proxy: mcp.server.unnamed: the server did not name itself at "
                "initialize; start the proxy with --server NAME to pin its tools",
            )
        try:
            listing = self.gate.filter(self.server, result.get("tools"))
        except Exception as exc:  # fail closed: no tool is served unchecked
            return messages.error(
                id, jsonrpc.INTERNAL_ERROR, f"immuno mcp proxy: could not check the tools: {exc}"
            )
        self.withheld.update(listing.withheld)
        for tool in listing.served:
            self.served.add(tool["name"])
            self.withheld.pop(tool["name"], None)
        for name in listing.withheld:
            self.served.discard(name)
        return messages.encode(
            {"jsonrpc": "2.0", "id": id, "result": {**result, "tools": listing.served}}
        )


class Relay:
    """What every connection of one proxy shares: the pipeline, the pins, the agent
    whose manifest applies, and the server's name when it was given."""

    def __init__(self, immune: Immune, agent: str, server: str | None = None) -> None:
        if not agent.strip():
            raise InputError("--agent", "must name the agent whose manifest applies")
        if server is not None and not server.strip():
            raise InputError("--server", "must not be empty")
        self.immune = immune
        self.agent = agent
        self.server = server
        self.gate = ToolGate(immune, Pins(immune.store, immune.clock), agent)
        self.guard = CallGuard(immune, agent)

    def connect(self) -> Connection:
        return Connection(self.gate, self.guard, server=self.server)

    def close(self, connection: Connection) -> None:
        """End the connection's session: what was read in it vouches for nothing more."""
        try:
            self.immune.end_session(connection.session)
        except Exception as exc:  # the session ends by its ttl anyway
            print(f"immuno mcp: could not end session {connection.session}: {exc}", file=sys.stderr)
