"""A local certificate authority for mTLS between agents (RFC 5280 profiles).

The CA key is the immuno authority key (Ed25519, RFC 8410). Each agent gets an ECDSA
P-256 key and a certificate naming it twice: ``CN=<agent>`` and the SAN URI
``immuno://agent/<agent>`` (the one :func:`peer_agent` reads). Revocation: a CRL signed
by the authority, rewritten on every revocation; :func:`server_context` loads it with
``VERIFY_CRL_CHECK_LEAF``, so a revoked client is refused during the handshake (build
a new context, or call :func:`server_context` again, after a revocation).

Files in the CA folder: ``ca.pem`` (certificate), ``crl.pem``. Issued certificates are
recorded in the store (``identity_certs``).
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from immuno.core.authority import Authority
from immuno.identity import schema
from immuno.identity.errors import RegistryError
from immuno.identity.registry import check_agent_id
from immuno.store import Store

URI_PREFIX = "immuno://agent/"
CA_FILE, CRL_FILE = "ca.pem", "crl.pem"
DEFAULT_CERT_DAYS = 30
_CA_DAYS = 3650


def _when(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class LocalCA:
    def __init__(
        self, folder: str | Path, authority: Authority, store: Store, clock: Callable[[], float]
    ) -> None:
        schema.migrate(store)
        self.folder = Path(folder)
        self.authority, self.store, self.clock = authority, store, clock

    @property
    def ca_file(self) -> Path:
        return self.folder / CA_FILE

    @property
    def crl_file(self) -> Path:
        return self.folder / CRL_FILE

    def init(self, name: str = "immuno local CA") -> x509.Certificate:
        """Create the CA certificate and an empty CRL; refused if one exists."""
        if self.ca_file.exists():
            raise RegistryError("ca_exists", f"{self.ca_file} exists; the CA is initialised")
        now = self.clock()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.authority.public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(_when(now - 60))
            .not_valid_after(_when(now + _CA_DAYS * 86400))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        )
        cert = self.authority.sign_certificate(builder)
        _write(self.ca_file, cert.public_bytes(serialization.Encoding.PEM))
        self._write_crl(cert)
        return cert

    def certificate(self) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        except OSError:
            raise RegistryError("no_ca", f"no CA at {self.folder}; run `immuno ca init`") from None

    def issue(
        self,
        agent: str,
        out: str | Path,
        days: int = DEFAULT_CERT_DAYS,
        not_before: float | None = None,
    ) -> tuple[Path, Path]:
        """Write ``<agent>.key`` (0600) and ``<agent>.pem`` into ``out``; return both paths."""
        check_agent_id(agent)
        ca = self.certificate()
        key = ec.generate_private_key(ec.SECP256R1())
        start = self.clock() - 60 if not_before is None else not_before
        serial = x509.random_serial_number()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, agent)]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(_when(start))
            .not_valid_after(_when(start + days * 86400))
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(URI_PREFIX + agent)]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
                ),
                critical=False,
            )
        )
        cert = self.authority.sign_certificate(builder)
        folder = Path(out)
        key_path, cert_path = folder / f"{agent}.key", folder / f"{agent}.pem"
        _write(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            0o600,
        )
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO identity_certs VALUES (?, ?, ?, NULL)",
                (format(serial, "x"), agent, start + days * 86400),
            )
        return key_path, cert_path

    def revoke(self, agent: str) -> int:
        """Revoke every certificate of ``agent``; rewrite the CRL. Returns how many."""
        now = self.clock()
        with self.store.transaction() as cur:
            done = cur.execute(
                "UPDATE identity_certs SET revoked = ? WHERE agent = ? AND revoked IS NULL",
                (now, agent),
            ).rowcount
        self._write_crl(self.certificate())
        return int(done)

    def _write_crl(self, ca: x509.Certificate) -> None:
        now = self.clock()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.subject)
            .last_update(_when(now - 60))
            .next_update(_when(now + 7 * 86400))
        )
        for serial, revoked in self.store.query(
            "SELECT serial, revoked FROM identity_certs WHERE revoked IS NOT NULL"
        ):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(serial, 16))
                .revocation_date(_when(revoked))
                .build()
            )
        crl = self.authority.sign_crl(builder)
        _write(self.crl_file, crl.public_bytes(serialization.Encoding.PEM))


def server_context(ca_folder: str | Path, cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """TLS 1.3 server that requires a client certificate of this CA, not revoked."""
    folder = Path(ca_folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=folder / CA_FILE)
    context.load_verify_locations(cafile=folder / CRL_FILE)
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return context


def client_context(ca_folder: str | Path, cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """TLS 1.3 client presenting its agent certificate, trusting only this CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=Path(ca_folder) / CA_FILE)
    context.check_hostname = False  # agents are named by the SAN URI, checked by peer_agent
    return context


def peer_agent(sock: ssl.SSLSocket) -> str:
    """The agent id of the verified peer, from its ``immuno://agent/`` SAN URI."""
    cert = sock.getpeercert()
    if not cert:
        raise RegistryError("no_peer_certificate", "the peer presented no certificate")
    for entry in cert.get("subjectAltName", ()):
        kind, value = entry[0], entry[1]
        if kind == "URI" and isinstance(value, str) and value.startswith(URI_PREFIX):
            return value[len(URI_PREFIX) :]
    raise RegistryError("no_agent_id", "the peer certificate names no immuno agent")


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()
