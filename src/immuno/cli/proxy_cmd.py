"""``immuno proxy --upstream URL``: the OpenAI-compatible chat-completions proxy."""

from __future__ import annotations

from typing import Annotated

import typer

from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.errors import ConfigError
from immuno.core.pipeline import Immune

DEFAULT_LISTEN = "127.0.0.1:8471"


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6), or a ConfigError naming --listen."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError("--listen", f"must be HOST:PORT with a port in 1..65535, got {value!r}")
    return host, int(port)


def register(app: typer.Typer) -> None:
    @app.command()
    def proxy(
        upstream: Annotated[
            str,
            typer.Option(
                help="Base URL of the OpenAI-compatible API, e.g. https://api.openai.com/v1."
            ),
        ],
        listen: Annotated[str, typer.Option(help="HOST:PORT to serve on.")] = DEFAULT_LISTEN,
        config: ConfigOption = None,
        agent: Annotated[
            str | None,
            typer.Option(help="The agent (manifest) every request is for; else X-Immuno-Agent."),
        ] = None,
        timeout: Annotated[float, typer.Option(help="Seconds to wait for the upstream.")] = 600.0,
        max_body_bytes: Annotated[
            int, typer.Option(help="Larger request bodies are refused (413).")
        ] = 32 * 1024 * 1024,
    ) -> None:
        """Serve /v1/chat/completions, checking messages and tool calls in flight."""
        try:
            import uvicorn

            from immuno.chat_proxy import ProxySettings, build_proxy_app
            from immuno.chat_proxy.upstream import check_upstream
        except ImportError as exc:
            raise ConfigError(
                "immuno proxy",
                f"needs the proxy extra: pip install 'immuno[proxy]' ({exc.name} is missing)",
            ) from None
        host, port = parse_listen(listen)
        if agent is not None and not agent.strip():
            raise ConfigError("--agent", "must not be empty")
        if not timeout > 0:
            raise ConfigError("--timeout", f"must be > 0, got {timeout}")
        if max_body_bytes < 1024:
            raise ConfigError("--max-body-bytes", f"must be >= 1024, got {max_body_bytes}")
        settings = ProxySettings(
            upstream=check_upstream(upstream),
            agent=agent,
            timeout=timeout,
            max_body_bytes=max_body_bytes,
        )
        app = build_proxy_app(Immune(load_config(config)), settings, close=True)
        who = f" for agent {agent!r}" if agent else ""
        typer.echo(f"immuno proxy listening on http://{host}:{port}/v1{who}")
        typer.echo(f"forwarding to {settings.upstream}")
        uvicorn.run(app, host=host, port=port, log_level="warning")
