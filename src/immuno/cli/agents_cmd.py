"""``immuno agents register|list|rotate|revoke`` and ``immuno token issue|revoke``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from immuno.cli.options import ConfigOption
from immuno.cli.output import Col, JsonOption, console, print_json, print_table
from immuno.cli.stores import existing_immune
from immuno.core.config import load_config
from immuno.core.errors import InputError
from immuno.core.pipeline import Immune
from immuno.identity import ED25519, DriftMonitor, Registry, read_passphrase
from immuno.identity.registry import ALGORITHMS, AgentRecord
from immuno.identity.tokens import TokenIssuer

agents = typer.Typer(help="The agent registry: keys, roles, rotation, revocation.")
tokens = typer.Typer(help="Session tokens (JWT, EdDSA) signed by the immuno authority.")


def _immune(config: Path | None, *, create: bool = False) -> Immune:
    """The store and authority; an existing store unless ``create`` (registering)."""
    if create:
        return Immune(load_config(config), layers=[_Noop()])
    return existing_immune(config, layers=[_Noop()])


class _Noop:
    """The CLI opens the store and authority only; it decides on no signal."""

    name = "cli"

    def inspect(self, signal: object, earlier: object) -> list[object]:
        return []


def _registry(immune: Immune) -> Registry:
    phrase = read_passphrase(immune.config.identity.passphrase_file)
    return Registry(immune.store, immune.clock, phrase)


def _public_key(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise InputError(str(path), "not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(str(path), "the public key must be Ed25519")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _save_private(out: Path | None, agent: str, pem: bytes | None, secret: bytes | None) -> str:
    if pem is None and secret is None:
        return ""
    target = out or Path(f"{agent}.key")
    if target.exists():
        raise InputError(str(target), "exists; refusing to overwrite a key")
    import os

    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem if pem is not None else (secret or b"").hex().encode())
    return f"; the agent's private key is in {target} (mode 0600): give it to the agent"


PublicKeyOption = Annotated[
    Path | None, typer.Option("--public-key", help="The agent's Ed25519 public key (PEM).")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Where to write a generated private key.")
]


@agents.command("register")
def register_agent(
    agent: Annotated[str, typer.Argument(help="Agent id.")],
    role: Annotated[list[str] | None, typer.Option("--role", help="A role (repeatable).")] = None,
    public_key: PublicKeyOption = None,
    alg: Annotated[str, typer.Option(help="ed25519 or hmac-sha256.")] = ED25519,
    out: OutOption = None,
    config: ConfigOption = None,
) -> None:
    """Register an agent with its first key (generated here unless --public-key)."""
    if alg not in ALGORITHMS:
        raise InputError("--alg", f"must be one of {', '.join(ALGORITHMS)}, got {alg!r}")
    key = _public_key(public_key)
    immune = _immune(config, create=True)
    enrolled = _registry(immune).register(agent, public_key=key, roles=role or [], alg=alg)
    note = _save_private(out, agent, enrolled.private_pem, enrolled.secret)
    typer.echo(f"registered {agent} with key {enrolled.kid} ({enrolled.alg}){note}")


@agents.command("rotate")
def rotate_agent(
    agent: Annotated[str, typer.Argument(help="Agent id.")],
    overlap: Annotated[float, typer.Option(help="Seconds the old key stays valid.")] = 3600.0,
    public_key: PublicKeyOption = None,
    out: OutOption = None,
    config: ConfigOption = None,
) -> None:
    """Give an agent a new key; the old one is accepted for --overlap seconds."""
    immune = _immune(config)
    enrolled = _registry(immune).rotate(agent, public_key=_public_key(public_key), overlap=overlap)
    note = _save_private(out, agent, enrolled.private_pem, enrolled.secret)
    typer.echo(f"rotated {agent} to key {enrolled.kid}{note}")


@agents.command("revoke")
def revoke_agent(
    agent: Annotated[str, typer.Argument(help="Agent id.")],
    kid: Annotated[str | None, typer.Option(help="Revoke only this key.")] = None,
    config: ConfigOption = None,
) -> None:
    """Revoke an agent (or one of its keys). Effective on its next message."""
    _registry(_immune(config)).revoke(agent, kid)
    typer.echo(f"revoked {agent if kid is None else f'{agent} key {kid}'}")


@agents.command("rebaseline")
def rebaseline_agent(
    agent: Annotated[str, typer.Argument(help="Agent id.")],
    config: ConfigOption = None,
) -> None:
    """Forget an agent's behavioural baseline after an honest change of behaviour."""
    immune = _immune(config)
    DriftMonitor(store=immune.store).forget(agent)
    typer.echo(f"{agent} will learn a new baseline (running services: after a restart)")


@agents.command("list")
def list_agents(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """List registered agents, their roles, status and keys."""
    records = _registry(_immune(config)).agents()
    if as_json:
        print_json([_agent_json(record) for record in records])
        return
    rows = [
        (
            record.agent,
            ", ".join(record.roles),
            record.status,
            "\n".join(
                f"{kid} {alg} {status}" + (f" {_until(until)}" if until else "")
                for kid, alg, status, until in record.keys
            ),
        )
        for record in records
    ]
    out = console()
    print_table(out, "agents", AGENT_COLUMNS, rows, "no agent is registered")


AGENT_COLUMNS = (Col("agent"), Col("roles"), Col("status"), Col("keys (kid alg status until)"))


def _until(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at))


def _agent_json(record: AgentRecord) -> dict[str, object]:
    keys = [
        {"kid": kid, "alg": alg, "status": status, "not_after": until}
        for kid, alg, status, until in record.keys
    ]
    return {
        "agent": record.agent,
        "roles": list(record.roles),
        "status": record.status,
        "keys": keys,
    }


@tokens.command("issue")
def issue_token(
    agent: Annotated[str, typer.Argument(help="Agent id (the token's subject).")],
    audience: Annotated[str, typer.Option(help="The service the token is for.")],
    scope: Annotated[list[str] | None, typer.Option(help="A scope (repeatable).")] = None,
    ttl: Annotated[float | None, typer.Option(help="Seconds (default: config).")] = None,
    config: ConfigOption = None,
) -> None:
    """Print a session token for AGENT."""
    immune = _immune(config)
    if _registry(immune).status(agent) != "active":
        raise InputError("agent", f"{agent!r} is not an active registered agent")
    issuer = TokenIssuer(
        immune.authority, immune.store, immune.clock, immune.config.identity.token_ttl_seconds
    )
    typer.echo(issuer.issue(agent, audience, scope or [], ttl))


@tokens.command("revoke")
def revoke_token(
    token: Annotated[str, typer.Argument(help="The token to revoke.")],
    config: ConfigOption = None,
) -> None:
    """Revoke a session token at once."""
    immune = _immune(config)
    issuer = TokenIssuer(immune.authority, immune.store, immune.clock)
    typer.echo(f"revoked token {issuer.revoke(token)}")


def register(app: typer.Typer) -> None:
    app.add_typer(agents, name="agents")
    app.add_typer(tokens, name="token")
