"""``immuno serve``: run the HTTP gateway (uvicorn, N worker processes)."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from immuno.cli.options import ConfigOption
from immuno.core.config import load_config
from immuno.core.errors import ConfigError
from immuno.core.pipeline import Immune


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        config: ConfigOption = None,
        host: Annotated[str | None, typer.Option(help="Bind address (default: config).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default: config, 8470).")] = None,
        workers: Annotated[
            int | None, typer.Option(help="Worker processes sharing the store.")
        ] = None,
    ) -> None:
        """Serve the HTTP gateway: /v1/check, messages, approvals, audit, /metrics."""
        try:
            import uvicorn

            from immuno.gateway.app import CONFIG_ENV
            from immuno.gateway.tls import PeerAgentProtocol, mtls_context
            from immuno.gateway.tracing import Tracing
        except ImportError as exc:
            raise ConfigError(
                "immuno serve",
                f"needs the serve extra: pip install 'immuno[serve]' ({exc.name} is missing)",
            ) from None
        settings = load_config(config)
        gateway = settings.gateway
        bind_host = host or gateway.host
        bind_port = port if port is not None else gateway.port
        count = workers if workers is not None else gateway.workers
        if count < 1:
            raise ConfigError("--workers", f"must be at least 1, got {count}")
        if config is not None:
            os.environ[CONFIG_ENV] = str(Path(config).resolve())
        # Open the store, authority and schemas once here, so the workers start
        # against a ready store (and a broken configuration fails before binding).
        Immune(settings).close()
        if gateway.tracing:
            Tracing.require()
        options: dict[str, Any] = {}
        tls = gateway.tls
        if tls.cert is not None and tls.key is not None:
            options.update(ssl_certfile=tls.cert, ssl_keyfile=tls.key)
            if tls.ca is not None:
                factory = functools.partial(mtls_context, tls.ca, tls.cert, tls.key)
                options.update(ssl_context_factory=factory, http=PeerAgentProtocol)
        scheme = "https" if tls.cert else "http"
        mode = " (mTLS: client certificates of the local CA)" if tls.ca else ""
        typer.echo(
            f"immuno gateway listening on {scheme}://{bind_host}:{bind_port} "
            f"with {count} worker{'s' if count != 1 else ''}{mode}",
        )
        uvicorn.run(
            "immuno.gateway.app:create_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=count,
            log_level="warning",
            **options,
        )
