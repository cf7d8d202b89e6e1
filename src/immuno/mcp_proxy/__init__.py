"""The MCP proxy: immuno between an MCP client and server (``immuno mcp proxy``).

``relay`` is the core both transports share (``stdio``, ``http``); ``listing`` and
``pins`` pin tool definitions; ``calls`` checks calls and results; ``manifest`` and
``lister`` write a starting manifest from a server's tools.
"""

from immuno.mcp_proxy.pins import Pin, Pins, digest_of
from immuno.mcp_proxy.relay import Connection, Relay

__all__ = ["Connection", "Pin", "Pins", "Relay", "digest_of"]
