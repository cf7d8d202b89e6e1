"""The MCP proxy: immuno between an MCP client and server (``immuno mcp proxy``).

``relay`` is the core both transports share (``stdio``, ``http``); ``listing`` and
``pins`` pin tool definitions; ``calls`` checks calls and results; ``manifest`` and
``lister`` write a starting manifest from a server's tools. Import the modules you
use: the transports pull in the MCP types, uvicorn and aiohttp, which the rest of the
command line does not need.
"""
