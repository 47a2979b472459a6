"""Helpers for the documents-of-record tests: sample data, a development CA, text and images."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pypdfium2
from cryptography import x509
from pdfminer.high_level import extract_text
from pypdf import PdfReader

from engine.documents import DevelopmentCA, UnitSigner, create_development_ca, load_trust_roots

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots" / "documents"
FORMS = ("mau_01", "mau_02", "mau_03", "mau_04", "mau_05", "mau_06", "mau_07")
RESULTS = ("quyet_dinh", "thong_bao")
#: Reports rendered on demand, not documents of record (docs/reports.md).
REPORTS = ("bao_cao_06a",)
UNIT = "000.00.07.H29"


def sample(form: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{form}.json").read_text(encoding="utf-8"))
    return data


@cache
def development_ca() -> DevelopmentCA:
    return create_development_ca(
        [
            (UNIT, "Bảo hiểm xã hội quận Ba Đình"),
            ("000.00.08.H29", "Bảo hiểm xã hội quận Hoàn Kiếm"),
        ],
        datetime.now(UTC),
    )


@cache
def unit_signer(unit: str = UNIT) -> UnitSigner:
    return UnitSigner.from_pkcs12(development_ca().unit_pkcs12[unit])


def trust_roots() -> list[x509.Certificate]:
    return load_trust_roots(development_ca().root_pem)


def texts(pdf: bytes) -> tuple[str, str]:
    """The PDF's text as two independent readers extract it (pypdf, pdfminer.six)."""
    by_pypdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return by_pypdf, extract_text(io.BytesIO(pdf))


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces folded, for phrases that wrap across lines."""
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Text without any whitespace: a value wrapped inside a narrow table cell still matches."""
    return "".join(text.split())


def page_image(pdf: bytes, name: str, page: int = 0) -> tuple[int, int, float]:
    """Render a page to var/screenshots/documents/<name>.png; (width, height, ink fraction)."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[page].render(scale=1.2).to_pil().convert("L")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / f"{name}.png")
    histogram = image.histogram()
    dark = sum(histogram[:128])
    width, height = image.size
    document.close()
    return width, height, dark / (width * height)


def licensed_ca(directory: Path, units: list[tuple[str, str]]) -> Path:
    """A CA like a licensed one (nothing says DEVELOPMENT): `<unit>.p12` files and the root's
    PEM in `directory`; returns the root's path."""
    from datetime import timedelta

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from engine.documents import pkcs12_path

    now = datetime.now(UTC) - timedelta(days=1)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Licensed CA (test)"),
            ]
        )

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(name("Test Root CA"))
        .issuer_name(name("Test Root CA"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    for code, unit_name in units:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(unit_name))
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=365))
            .sign(root_key, hashes.SHA256())
        )
        pkcs12_path(directory, code).write_bytes(
            pkcs12.serialize_key_and_certificates(
                code.encode(), key, cert, [root], serialization.NoEncryption()
            )
        )
    (directory / "roots.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return directory / "roots.pem"
