"""TLS for uvicorn: the local CA's server context (client certificate required, CRL
checked) and an HTTP protocol that hands the verified peer's agent to the app.

uvicorn puts no TLS details in the ASGI scope, so :class:`PeerAgentProtocol` (h11)
reads the peer certificate when the connection is made and adds the agent it names
(:func:`immuno.identity.ca.peer_agent`) to the per-connection copy of the app state,
which every request scope of that connection carries (``scope["state"]``).
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol

from immuno.gateway.auth import PEER_AGENT
from immuno.identity.ca import peer_agent, server_context
from immuno.identity.errors import RegistryError


class PeerAgentProtocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        agent = None
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            try:  # SSLObject has the same getpeercert() as the SSLSocket peer_agent reads
                agent = peer_agent(cast(ssl.SSLSocket, ssl_object))
            except RegistryError:
                agent = None  # a certificate naming no agent authenticates nobody
        self.app_state = {**self.app_state, PEER_AGENT: agent}


def mtls_context(ca: str, cert: str, key: str, *_: Any) -> ssl.SSLContext:
    """uvicorn's ``ssl_context_factory``: client certificates of the CA in ``ca``."""
    return server_context(Path(ca), cert, key)
