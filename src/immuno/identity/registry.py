"""The agent registry: who may speak in the network, with which keys, in which roles.

Keys are Ed25519 (RFC 8032) by default; HMAC-SHA256 shared secrets are an option for
closed deployments. A private key never has to reach immuno: register with the public
key, or let immuno generate a pair and hand the private half back once (kept here only
when asked, encrypted, see :mod:`immuno.identity.sealing`).

Key life: ``active`` -> (rotation) ``retiring`` until ``not_after`` -> refused;
``revoked`` at any time, effective on the very next message because every verification
reads the key's status from the store (one indexed lookup), never from a cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from immuno.identity import schema
from immuno.identity.errors import EnvelopeRejected, RegistryError
from immuno.identity.sealing import open_secret, private_pem, raw_public, seal_secret
from immuno.store import Cursor, Store

ED25519 = "ed25519"
HMAC_SHA256 = "hmac-sha256"
ALGORITHMS = (ED25519, HMAC_SHA256)
DEFAULT_OVERLAP_SECONDS = 3600.0
_AGENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


@dataclass(frozen=True)
class Enrollment:
    """What the caller gets back once: the key id and any secret generated for the agent."""

    agent: str
    kid: str
    alg: str
    private_pem: bytes | None = None  # the agent's Ed25519 key (PKCS#8), when immuno made it
    secret: bytes | None = None  # the HMAC secret, when alg is hmac-sha256


@dataclass(frozen=True)
class AgentRecord:
    agent: str
    roles: tuple[str, ...]
    status: str
    keys: tuple[tuple[str, str, str, float | None], ...]  # (kid, alg, status, not_after)


@dataclass(frozen=True)
class VerifyKey:
    """A key that may verify a message now: an Ed25519 public key or an HMAC secret."""

    agent: str
    kid: str
    alg: str
    public: Ed25519PublicKey | None
    secret: bytes | None


def check_agent_id(agent: str) -> str:
    if not _AGENT_ID.match(agent):
        raise RegistryError(
            "bad_agent_id",
            f"agent id {agent!r} must be 1-128 characters of letters, digits and ._:@-",
        )
    return agent


def key_id(public: bytes) -> str:
    """Key id of an Ed25519 public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


class Registry:
    def __init__(
        self, store: Store, clock: Callable[[], float], passphrase: bytes | None = None
    ) -> None:
        schema.migrate(store)
        self.store = store
        self.clock = clock
        self._passphrase = passphrase
        self._publics: dict[bytes, Ed25519PublicKey] = {}
        self._secrets: dict[tuple[str, str], bytes] = {}

    # -- operator side -------------------------------------------------------------

    def register(
        self,
        agent: str,
        *,
        public_key: bytes | None = None,
        roles: Sequence[str] = (),
        alg: str = ED25519,
        keep_private: bool = False,
        passphrase: bytes | None = None,
    ) -> Enrollment:
        """Add an agent with its first key. Refused when the agent already exists."""
        check_agent_id(agent)
        now = self.clock()
        with self.store.transaction() as cur:
            if cur.execute("SELECT 1 FROM identity_agents WHERE agent = ?", (agent,)).fetchone():
                raise RegistryError("agent_exists", f"agent {agent!r} is already registered")
            cur.execute(
                "INSERT INTO identity_agents VALUES (?, ?, 'active', ?, ?)",
                (agent, json.dumps(sorted(set(roles))), now, now),
            )
            return self._add_key(cur, agent, public_key, alg, keep_private, passphrase, now)

    def rotate(
        self,
        agent: str,
        *,
        public_key: bytes | None = None,
        alg: str = ED25519,
        overlap: float = DEFAULT_OVERLAP_SECONDS,
        keep_private: bool = False,
        passphrase: bytes | None = None,
    ) -> Enrollment:
        """Give ``agent`` a new active key; its current keys stay valid ``overlap`` seconds."""
        if overlap < 0:
            raise RegistryError("bad_overlap", f"overlap must be >= 0 seconds, got {overlap}")
        now = self.clock()
        with self.store.transaction() as cur:
            self._require_agent(cur, agent)
            cur.execute(
                "UPDATE identity_keys SET status = 'retiring', not_after = ? "
                "WHERE agent = ? AND status = 'active'",
                (now + overlap, agent),
            )
            return self._add_key(cur, agent, public_key, alg, keep_private, passphrase, now)

    def revoke(self, agent: str, kid: str | None = None) -> None:
        """Revoke one key, or (no ``kid``) the agent and all its keys. Immediate."""
        now = self.clock()
        with self.store.transaction() as cur:
            self._require_agent(cur, agent)
            if kid is None:
                cur.execute(
                    "UPDATE identity_agents SET status = 'revoked', updated = ? WHERE agent = ?",
                    (now, agent),
                )
                cur.execute("UPDATE identity_keys SET status = 'revoked' WHERE agent = ?", (agent,))
                return
            done = cur.execute(
                "UPDATE identity_keys SET status = 'revoked' WHERE agent = ? AND kid = ?",
                (agent, kid),
            )
            if done.rowcount == 0:
                raise RegistryError("unknown_key", f"agent {agent!r} has no key {kid!r}")

    def agents(self) -> list[AgentRecord]:
        rows = self.store.query("SELECT agent, roles, status FROM identity_agents ORDER BY agent")
        keys: dict[str, list[tuple[str, str, str, float | None]]] = {}
        for agent, kid, alg, status, not_after in self.store.query(
            "SELECT agent, kid, alg, status, not_after FROM identity_keys "
            "WHERE NOT (status = 'retiring' AND not_after < ?) ORDER BY created",
            (self.clock(),),
        ):
            keys.setdefault(agent, []).append((kid, alg, status, not_after))
        return [AgentRecord(a, tuple(json.loads(r)), s, tuple(keys.get(a, []))) for a, r, s in rows]

    def status(self, agent: str) -> str | None:
        """``active`` / ``revoked`` for a registered agent, None for a stranger."""
        rows = self.store.query("SELECT status FROM identity_agents WHERE agent = ?", (agent,))
        return str(rows[0][0]) if rows else None

    def kept_private_key(self, agent: str, kid: str) -> bytes:
        """The encrypted PKCS#8 PEM immuno keeps for ``agent`` (only when asked to)."""
        rows = self.store.query(
            "SELECT sealed, alg FROM identity_keys WHERE agent = ? AND kid = ?", (agent, kid)
        )
        if not rows or rows[0][0] is None or rows[0][1] != ED25519:
            raise RegistryError("no_kept_key", f"immuno keeps no private key {kid!r} of {agent!r}")
        return bytes(rows[0][0])

    # -- verifier side -------------------------------------------------------------

    def verify_key(self, agent: str, kid: str, now: float) -> VerifyKey:
        """The key ``kid`` of ``agent`` if it may verify a message at ``now``; else raise."""
        rows = self.store.query(
            "SELECT a.status, k.alg, k.public, k.sealed, k.status, k.not_after "
            "FROM identity_agents a LEFT JOIN identity_keys k ON k.agent = a.agent AND k.kid = ? "
            "WHERE a.agent = ?",
            (kid, agent),
        )
        if not rows:
            raise EnvelopeRejected("unknown_sender", f"sender {agent!r} is not registered")
        agent_status, alg, public, sealed, key_status, not_after = rows[0]
        if agent_status != "active":
            raise EnvelopeRejected("revoked_agent", f"agent {agent!r} is {agent_status}")
        if alg is None:
            raise EnvelopeRejected("unknown_key", f"agent {agent!r} has no key {kid!r}")
        if key_status == "revoked":
            raise EnvelopeRejected("revoked_key", f"key {kid!r} of {agent!r} is revoked")
        if key_status == "retiring" and not_after is not None and now > not_after:
            raise EnvelopeRejected("retired_key", f"key {kid!r} of {agent!r} was rotated out")
        if alg == ED25519:
            public_key = self._publics.get(public)
            if public_key is None:
                public_key = Ed25519PublicKey.from_public_bytes(public)
                self._publics[bytes(public)] = public_key
            return VerifyKey(agent, kid, alg, public_key, None)
        return VerifyKey(agent, kid, alg, None, self._hmac_secret(agent, kid, sealed))

    # -- internals -----------------------------------------------------------------

    def _hmac_secret(self, agent: str, kid: str, sealed: bytes) -> bytes:
        cached = self._secrets.get((agent, kid))
        if cached is not None:
            return cached
        if not self._passphrase:
            raise EnvelopeRejected(
                "key_unavailable",
                f"HMAC key {kid!r} of {agent!r} is sealed and no passphrase was configured",
            )
        secret = open_secret(bytes(sealed), self._passphrase, f"{agent}/{kid}")
        self._secrets[(agent, kid)] = secret
        return secret

    @staticmethod
    def _require_agent(cur: Cursor, agent: str) -> None:
        row = cur.execute("SELECT 1 FROM identity_agents WHERE agent = ?", (agent,)).fetchone()
        if row is None:
            raise RegistryError("unknown_agent", f"agent {agent!r} is not registered")

    def _add_key(
        self,
        cur: Cursor,
        agent: str,
        public_key: bytes | None,
        alg: str,
        keep_private: bool,
        passphrase: bytes | None,
        now: float,
    ) -> Enrollment:
        execute = cur.execute
        if alg == HMAC_SHA256:
            secret = secrets.token_bytes(32)
            kid = "h" + secrets.token_hex(8)
            phrase = passphrase or self._passphrase
            if not phrase:
                raise RegistryError(
                    "passphrase_required", "an HMAC secret is kept sealed: give a passphrase"
                )
            sealed = seal_secret(secret, phrase, f"{agent}/{kid}")
            execute(
                "INSERT INTO identity_keys VALUES (?, ?, ?, NULL, ?, 'active', ?, NULL)",
                (agent, kid, alg, sealed, now),
            )
            return Enrollment(agent, kid, alg, secret=secret)
        if alg != ED25519:
            raise RegistryError("bad_alg", f"alg must be one of {', '.join(ALGORITHMS)}")
        pem: bytes | None = None
        kept: bytes | None = None
        if public_key is None:
            private = Ed25519PrivateKey.generate()
            public_key = raw_public(private)
            pem = private_pem(private, None)
            if keep_private:
                phrase = passphrase or self._passphrase
                if not phrase:
                    raise RegistryError(
                        "passphrase_required", "a kept private key is encrypted: give a passphrase"
                    )
                kept = private_pem(private, phrase)
        elif len(public_key) != 32:
            raise RegistryError("bad_public_key", "an Ed25519 public key is 32 raw bytes")
        elif keep_private:
            raise RegistryError("no_private_key", "only a key immuno generates can be kept")
        kid = key_id(public_key)
        execute(
            "INSERT INTO identity_keys VALUES (?, ?, ?, ?, ?, 'active', ?, NULL)",
            (agent, kid, alg, public_key, kept, now),
        )
        return Enrollment(agent, kid, alg, private_pem=pem)
