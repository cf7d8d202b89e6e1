"""``immuno ca init|issue|revoke``: the local CA for mTLS between agents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from immuno.cli.agents_cmd import _immune
from immuno.cli.options import ConfigOption
from immuno.identity.ca import DEFAULT_CERT_DAYS, LocalCA

ca = typer.Typer(help="A local certificate authority (the immuno authority key) for mTLS.")


def _ca(config: Path | None, *, create: bool = False) -> LocalCA:
    immune = _immune(config, create=create)
    folder = immune.config.store.folder / "ca"
    return LocalCA(folder, immune.authority, immune.store, immune.clock)


@ca.command("init")
def init_ca(config: ConfigOption = None) -> None:
    """Create the CA certificate and an empty revocation list."""
    local = _ca(config, create=True)
    local.init()
    typer.echo(f"CA certificate {local.ca_file}, revocation list {local.crl_file}")


@ca.command("issue")
def issue_cert(
    agent: Annotated[str, typer.Argument(help="Agent id, written in the certificate.")],
    out: Annotated[Path, typer.Option(help="Folder for <agent>.key and <agent>.pem.")] = Path("."),
    days: Annotated[int, typer.Option(help="Validity in days.")] = DEFAULT_CERT_DAYS,
    config: ConfigOption = None,
) -> None:
    """Issue a key and certificate for AGENT (SAN immuno://agent/AGENT)."""
    key, cert = _ca(config).issue(agent, out, days)
    typer.echo(f"wrote {key} (mode 0600) and {cert}")


@ca.command("revoke")
def revoke_cert(
    agent: Annotated[str, typer.Argument(help="Agent id.")],
    config: ConfigOption = None,
) -> None:
    """Revoke every certificate of AGENT and rewrite the revocation list."""
    count = _ca(config).revoke(agent)
    typer.echo(f"revoked {count} certificate(s) of {agent}; servers must reload the CRL")


def register(app: typer.Typer) -> None:
    app.add_typer(ca, name="ca")
