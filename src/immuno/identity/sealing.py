"""Secrets immuno keeps for an agent, encrypted at rest.

* Ed25519 private keys (only when an operator asks immuno to keep one): PKCS#8 PEM
  with ``BestAvailableEncryption`` (RFC 5958; scrypt + AES-256-CBC in cryptography).
* HMAC-SHA256 shared secrets: AES-256-GCM (NIST SP 800-38D) under a key derived from
  the passphrase with scrypt (RFC 7914, n=2**15, r=8, p=1), the agent id and key id
  as associated data so a sealed secret cannot be moved to another agent.

Layout of a sealed secret: ``b"ims1" || salt(16) || nonce(12) || ciphertext+tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from immuno.identity.errors import RegistryError

_MAGIC = b"ims1"
_SCRYPT_N = 2**15


def _kek(passphrase: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=8, p=1).derive(passphrase)


def seal_secret(secret: bytes, passphrase: bytes, context: str) -> bytes:
    """Encrypt ``secret`` under ``passphrase``, bound to ``context`` (agent and key id)."""
    if not passphrase:
        raise RegistryError("passphrase_required", "a passphrase is needed to keep a secret")
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_kek(passphrase, salt)).encrypt(nonce, secret, context.encode())
    return _MAGIC + salt + nonce + sealed


def open_secret(blob: bytes, passphrase: bytes, context: str) -> bytes:
    """Decrypt a sealed secret; a wrong passphrase or a moved blob is an error."""
    if not blob.startswith(_MAGIC) or len(blob) < 4 + 16 + 12 + 16:
        raise RegistryError("secret_corrupt", f"sealed secret of {context} is malformed")
    salt, nonce, sealed = blob[4:20], blob[20:32], blob[32:]
    try:
        return AESGCM(_kek(passphrase, salt)).decrypt(nonce, sealed, context.encode())
    except InvalidTag:
        raise RegistryError(
            "secret_locked", f"cannot open the secret of {context}: wrong passphrase"
        ) from None


def private_pem(key: Ed25519PrivateKey, passphrase: bytes | None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_pem(pem: bytes, passphrase: bytes | None) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise RegistryError("key_unreadable", f"cannot load the private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise RegistryError("key_unreadable", "the private key is not Ed25519")
    return key


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
