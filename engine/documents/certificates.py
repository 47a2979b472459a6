"""Certificates: the development CA, development markers, trust roots, signer identities.

`motcua documents dev-ca` (or `create_development_ca`) makes a local root CA and one signing
certificate per unit, each a PKCS#12 file. Everything it makes says DEVELOPMENT in its
organisation and common name, so production can refuse it (`is_development_certificate`).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from engine.documents.errors import TrustRootError

DEVELOPMENT_ORGANISATION = "motcua DEVELOPMENT"
DEVELOPMENT_SUFFIX = "(DEVELOPMENT)"
ROOT_FILE = "root-ca.pem"
#: A trust root or signer certificate, for modules outside this package (no cryptography import).
Certificate = x509.Certificate
ROOT_KEY_FILE = "root-ca.key"  # development only: lets units created later get a certificate
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a certificate names: common name, organisation, unit (OU) and serial number."""

    common_name: str
    organisation: str
    unit: str
    serial_number: str
    issuer: str
    not_before: datetime
    not_after: datetime


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def identity(cert: x509.Certificate) -> Identity:
    return Identity(
        common_name=_attribute(cert.subject, NameOID.COMMON_NAME),
        organisation=_attribute(cert.subject, NameOID.ORGANIZATION_NAME),
        unit=_attribute(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
        serial_number=format(cert.serial_number, "x"),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def is_development_certificate(cert: x509.Certificate) -> bool:
    """True for anything the development CA made (subject or issuer): refuse it in production."""
    for name in (cert.subject, cert.issuer):
        if _attribute(name, NameOID.ORGANIZATION_NAME) == DEVELOPMENT_ORGANISATION:
            return True
        if _attribute(name, NameOID.COMMON_NAME).endswith(DEVELOPMENT_SUFFIX):
            return True
    return False


def load_trust_roots(pem: bytes, source: str = "trust root") -> list[x509.Certificate]:
    """Every certificate of a PEM file; TrustRootError names the file when there is none."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise TrustRootError(f"{source}: not a PEM certificate file") from exc
    return certs


def certificate_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_from_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEVELOPMENT_ORGANISATION),
    ]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} {DEVELOPMENT_SUFFIX}"))
    return x509.Name(parts)


@dataclass(frozen=True, slots=True)
class DevelopmentCA:
    """A development root and one PKCS#12 per unit code (no passphrase: development only)."""

    root_pem: bytes
    unit_pkcs12: dict[str, bytes]

    def write(self, directory: Path) -> list[Path]:
        """Write root-ca.pem and <unit code>.p12 (mode 0600) into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        written = [directory / ROOT_FILE]
        written[0].write_bytes(self.root_pem)
        for unit, data in self.unit_pkcs12.items():
            path = pkcs12_path(directory, unit)
            path.touch(mode=0o600)
            path.chmod(0o600)
            path.write_bytes(data)
            written.append(path)
        return written


def create_development_ca(
    units: Iterable[tuple[str, str]], now: datetime, years: int = 5
) -> DevelopmentCA:
    """A root CA and a signing certificate for each (unit code, unit name), valid from `now`.

    ECDSA P-256 keys: the signature and certificates stay small in every document.
    """
    root_key, root = _development_root(now, years)
    issued = {
        code: development_unit_pkcs12(root_key, root, code, unit_name, now, years)
        for code, unit_name in units
    }
    return DevelopmentCA(root.public_bytes(serialization.Encoding.PEM), issued)


def _development_root(
    now: datetime, years: int = 5
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    start = now - timedelta(days=1)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("motcua Root CA")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * (years + 5)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    return root_key, root


def development_unit_pkcs12(
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    code: str,
    unit_name: str,
    now: datetime,
    years: int = 5,
) -> bytes:
    """A unit's development signing certificate and key, issued by `root`, as PKCS#12."""
    start = now - timedelta(days=1)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(unit_name, unit=code))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(certificates=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        code.encode(), key, cert, [root], serialization.NoEncryption()
    )


def development_root(
    directory: Path, now: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The development root of `directory` with its key (`root-ca.key`, key and certificate,
    mode 0600), made on first use, so that a unit created later gets a certificate from the
    same root. Safe when several processes start at once: the first file written wins."""
    key_path = directory / ROOT_KEY_FILE
    if not key_path.is_file():
        root_key, root = _development_root(now)
        pem = root_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ) + root.public_bytes(serialization.Encoding.PEM)
        write_once(key_path, pem)
    pem = key_path.read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TrustRootError(f"{key_path} does not hold the development root's key")
    root = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----") :])
    cert_path = directory / ROOT_FILE
    if not cert_path.is_file():
        write_once(cert_path, root.public_bytes(serialization.Encoding.PEM), private=False)
    return key, root


def write_once(path: Path, data: bytes, *, private: bool = True) -> bool:
    """Create `path` with `data` unless it exists (atomically: another process may race);
    whether this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    temporary.touch(mode=0o600 if private else 0o644)
    temporary.write_bytes(data)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


def _key_usage(*, certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not certificates,
        content_commitment=not certificates,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certificates,
        crl_sign=certificates,
        encipher_only=False,
        decipher_only=False,
    )


def ensure_development_ca(directory: Path, units: Iterable[tuple[str, str]], now: datetime) -> Path:
    """The development CA in `directory`, made when a file is missing (for `make run`).

    Returns the root certificate's path (the trust root to configure in development).
    """
    units = list(units)
    wanted = [directory / ROOT_FILE] + [pkcs12_path(directory, code) for code, _ in units]
    if not all(path.is_file() for path in wanted):
        create_development_ca(units, now).write(directory)
    return directory / ROOT_FILE


def pkcs12_path(directory: Path, unit_code: str) -> Path:
    """Where `DevelopmentCA.write` puts a unit's PKCS#12 file."""
    return directory / f"{_UNSAFE_FILE_CHARACTERS.sub('_', unit_code)}.p12"
