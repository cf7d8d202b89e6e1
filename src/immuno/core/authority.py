"""The immuno authority: one Ed25519 key that signs what immuno vouches for
(tree heads of the audit log, session tokens, certificates).

The private key lives in a PKCS#8 PEM file next to the store, readable by its owner
only, encrypted with a passphrase when one is given. Losing the file means new
signatures cannot be linked to old ones, so it is never overwritten.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from immuno.core.errors import ConfigError

DEFAULT_AUTHORITY_FILE = "authority.pem"


class Authority:
    """Signs with the authority key; ``public_key`` and ``verify`` need no secret."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte public key (RFC 8032), for pinning by third parties."""
        return self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """Sign an X.509 certificate as the local CA (RFC 8410: Ed25519 in X.509)."""
        return builder.sign(self._key, algorithm=None)

    def sign_crl(
        self, builder: x509.CertificateRevocationListBuilder
    ) -> x509.CertificateRevocationList:
        return builder.sign(self._key, algorithm=None)

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def generate(cls) -> Authority:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: str | Path, passphrase: bytes | None = None) -> Authority:
        """Load the key at ``path``, creating it (mode 0600) on first use."""
        path = Path(path)
        if path.exists():
            return cls.load(path, passphrase)
        authority = cls.generate()
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        pem = authority._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: a process that
        # starts at the same moment sees either no key or the complete key, never a
        # half-written file, and the first link wins (link never overwrites).
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(draft, path)
        except FileExistsError:  # another process created it first: use theirs
            return cls.load(path, passphrase)
        finally:
            draft.unlink(missing_ok=True)
        return authority

    @classmethod
    def load(cls, path: str | Path, passphrase: bytes | None = None) -> Authority:
        try:
            data = Path(path).read_bytes()
            key = serialization.load_pem_private_key(data, password=passphrase)
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read authority key: {exc.strerror}") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(str(path), f"not a usable authority key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(str(path), "authority key must be Ed25519")
        return cls(key)
