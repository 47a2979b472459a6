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
