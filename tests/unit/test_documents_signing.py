"""PAdES signing and offline verification of documents of record."""

from __future__ import annotations

import dataclasses
import io
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter

from engine.documents import (
    SigningKeyError,
    TrustRootError,
    UnitSigner,
    create_development_ca,
    document_number,
    ensure_development_ca,
    is_development_certificate,
    load_trust_roots,
    pkcs12_path,
    render,
    sign,
    verify,
)
from storage.types import CompressedBytes
from tests.documents_support import (
    FORMS,
    RESULTS,
    UNIT,
    development_ca,
    flat,
    sample,
    texts,
    trust_roots,
    unit_signer,
)

STORED_LIMIT = 30 * 1024  # bytes per stored document (issue 14)


@pytest.fixture(scope="module")
def signed() -> bytes:
    return sign(render("mau_01", sample("mau_01")).pdf, unit_signer())


def test_a_signed_document_verifies_with_signer_unit_and_time(signed: bytes) -> None:
    before = datetime.now(UTC) - timedelta(minutes=5)
    result = verify(signed, trust_roots())
    assert result.valid, result.problems
    assert result.intact and result.covers_whole_file and result.trusted
    assert result.signer is not None and result.signer.unit == UNIT
    assert result.signer.common_name == "Bảo hiểm xã hội quận Ba Đình (DEVELOPMENT)"
    assert result.development_certificate
    assert result.signed_at is not None and before < result.signed_at <= datetime.now(UTC)
    assert len(result.sha256) == 64 and result.size == len(signed)
    for extracted in texts(signed):  # the signature leaves the text as it was
        assert "Nguyễn Thị Hường" in extracted


@pytest.mark.parametrize("form", FORMS + RESULTS)
def test_every_form_signed_is_stored_in_30_kb_with_its_fonts_and_text(form: str) -> None:
    """The long decision sample included: stored as the database stores it (zlib), fonts
    embedded, the signature valid with the chain, the Vietnamese text exact."""
    signed = sign(render(form, sample(form)).pdf, unit_signer())
    stored = CompressedBytes().process_bind_param(signed, None) or b""
    assert 0 < len(stored) <= STORED_LIMIT, (form, len(stored))
    result = verify(signed, trust_roots())
    assert result.valid, result.problems
    reader = PdfReader(io.BytesIO(signed))
    faces = set()
    resources: Any = reader.pages[0]["/Resources"]
    for font in resources["/Font"].values():
        [cid_font] = font.get_object()["/DescendantFonts"]
        descriptor = cid_font.get_object()["/FontDescriptor"].get_object()
        assert "/FontFile3" in descriptor or "/FontFile2" in descriptor  # embedded
        faces.add(str(descriptor["/FontName"]).split("+")[-1])
    assert faces <= {
        "LibertinusSerif-Regular",
        "LibertinusSerif-Bold",
        "LibertinusSerif-Italic",
    }, faces  # "Nơi nhận" is drawn from the italic face, not a fourth one
    if form in RESULTS:
        for extracted in texts(signed):
            assert "Nơi nhận:" in flat(extracted)


@pytest.mark.parametrize("where", [0.02, 0.25, 0.5, 0.75, 0.9, 0.999])
def test_flipping_one_byte_anywhere_is_detected(signed: bytes, where: float) -> None:
    tampered = bytearray(signed)
    tampered[int(len(signed) * where)] ^= 0x01
    result = verify(bytes(tampered), trust_roots())
    assert not result.valid and result.problems
    assert result.sha256 != verify(signed, trust_roots()).sha256


def _signature_contents(pdf: bytes) -> tuple[int, int]:
    """Where the hexadecimal signature value sits: between the two signed byte ranges."""
    start = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    return start, pdf.index(b">", start)


@pytest.mark.parametrize("part", ["signature", "padding", "length"])
def test_a_changed_digit_inside_the_signature_value_is_detected(signed: bytes, part: str) -> None:
    """The signature value is the one part of the file the signature cannot cover itself."""
    start, end = _signature_contents(signed)
    hex_digits = signed[start:end]
    padding_at = start + len(hex_digits.rstrip(b"0"))
    tampered = bytearray(signed)
    if part == "length":
        # 30 82 LL LL: one more in the CMS's outer length swallows 16 bytes of zero padding
        assert hex_digits[:4] == b"3082"
        where = start + 6
        tampered[where] = ord(format(int(chr(tampered[where]), 16) + 1, "X"))
    else:
        where = start + 200 if part == "signature" else padding_at + (end - padding_at) // 2
        tampered[where] = ord("1") if tampered[where] != ord("1") else ord("2")
    assert start <= where < end
    result = verify(bytes(tampered), trust_roots())
    assert not result.valid and result.problems


def test_a_change_appended_after_the_signature_is_detected(signed: bytes) -> None:
    writer = PdfWriter(io.BytesIO(signed), incremental=True)
    writer.add_metadata({"/Title": "Giấy tiếp nhận đã sửa"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(signed)  # a genuine incremental update
    result = verify(updated, trust_roots())
    assert not result.valid
    assert any("appended after the signature" in p for p in result.problems)


def test_a_document_signed_under_another_root_is_untrusted(signed: bytes) -> None:
    other = create_development_ca([("x", "Đơn vị khác")], datetime.now(UTC))
    result = verify(signed, load_trust_roots(other.root_pem))
    assert not result.valid and result.intact
    assert result.problems == (
        "the signer's certificate does not chain to a configured trust root",
    )


def test_unsigned_and_garbage_files_are_invalid_not_errors() -> None:
    unsigned = render("mau_03", sample("mau_03")).pdf
    assert verify(unsigned, trust_roots()).problems == ("the document is not signed",)
    for junk in (b"", b"%PDF-1.7\n", b"\x00" * 100, b"<html>", unsigned[: len(unsigned) // 2]):
        result = verify(junk, trust_roots())
        assert not result.valid and result.problems


def test_signing_and_verifying_never_touch_the_network(
    monkeypatch: pytest.MonkeyPatch, signed: bytes
) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Iterator[object]:
        attempts.append(args)
        raise OSError("network access during signing or verification")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    pdf = render("mau_04", sample("mau_04")).pdf
    again = sign(pdf, unit_signer())
    assert verify(again, trust_roots()).valid
    other = create_development_ca([("x", "Đơn vị khác")], datetime.now(UTC))
    assert not verify(signed, load_trust_roots(other.root_pem)).valid
    assert attempts == []


def test_every_unit_signs_with_its_own_certificate() -> None:
    pdf = render("mau_01", sample("mau_01")).pdf
    result = verify(sign(pdf, unit_signer("000.00.08.H29")), trust_roots())
    assert result.valid and result.signer is not None and result.signer.unit == "000.00.08.H29"


def _production_like_pkcs12() -> tuple[bytes, x509.Certificate]:
    """An RSA certificate from a CA that is not the development one (as a real CA issues)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bảo hiểm xã hội Việt Nam"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Bảo hiểm xã hội quận Ba Đình"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"unit", key, cert, None, serialization.BestAvailableEncryption(b"mat-khau")
    )
    return data, cert


def test_an_rsa_pkcs12_with_a_passphrase_signs_and_is_not_development() -> None:
    data, cert = _production_like_pkcs12()
    signer = UnitSigner.from_pkcs12(data, b"mat-khau")
    assert not signer.is_development and not is_development_certificate(cert)
    result = verify(sign(render("mau_05", sample("mau_05")).pdf, signer), [cert])
    assert result.valid, result.problems
    assert not result.development_certificate


def _certificate(
    subject: str, issuer: str, key: rsa.RSAPrivateKey, issuer_key: rsa.RSAPrivateKey, ca: bool
) -> x509.Certificate:
    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ban Cơ yếu Chính phủ"),
                x509.NameAttribute(NameOID.COMMON_NAME, common),
            ]
        )

    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(not ca, not ca, False, False, False, ca, ca, False, False),
            critical=True,
        )
        .sign(issuer_key, hashes.SHA256())
    )


def test_with_a_licensed_rsa_chain_the_long_decision_is_still_stored_in_30_kb() -> None:
    """A licensed CA's chain is larger than the development one: RSA-2048 keys and an
    intermediate certificate, which the signature carries (the root it does not)."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    middle_key, unit_key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)
    )
    root = _certificate("Root CA", "Root CA", root_key, root_key, True)
    middle = _certificate("Cục Chứng thực số", "Root CA", middle_key, root_key, True)
    unit = _certificate(
        "Bảo hiểm xã hội quận Ba Đình", "Cục Chứng thực số", unit_key, middle_key, False
    )
    signer = UnitSigner.from_pkcs12(
        pkcs12.serialize_key_and_certificates(
            b"unit", unit_key, unit, [middle, root], serialization.NoEncryption()
        )
    )
    for form in ("mau_01", "quyet_dinh"):
        signed = sign(render(form, sample(form)).pdf, signer)
        assert verify(signed, [root]).valid
        stored = CompressedBytes().process_bind_param(signed, None) or b""
        assert 0 < len(stored) <= STORED_LIMIT, (form, len(stored))


def test_development_certificates_are_marked() -> None:
    for pem in (development_ca().root_pem,):
        for cert in load_trust_roots(pem):
            assert is_development_certificate(cert)
    assert unit_signer().is_development


def test_unusable_keys_and_roots_are_refused_clearly() -> None:
    data, _ = _production_like_pkcs12()
    with pytest.raises(SigningKeyError, match="wrong passphrase"):
        UnitSigner.from_pkcs12(data, b"sai")
    with pytest.raises(SigningKeyError):
        UnitSigner.from_pkcs12(b"not a pkcs12 file")
    with pytest.raises(TrustRootError, match="roots.pem"):
        load_trust_roots(b"-----BEGIN NOTHING-----", "roots.pem")


def test_make_run_creates_the_development_ca_once(tmp_path: Path) -> None:
    units = [(UNIT, "Bảo hiểm xã hội quận Ba Đình")]
    root = ensure_development_ca(tmp_path / "ca", units, datetime.now(UTC))
    first = root.read_bytes()
    assert ensure_development_ca(tmp_path / "ca", units, datetime.now(UTC)).read_bytes() == first
    key_file = pkcs12_path(tmp_path / "ca", UNIT)
    assert key_file.stat().st_mode & 0o077 == 0  # the private key is the owner's only
    signer = UnitSigner.from_pkcs12(key_file.read_bytes())
    assert verify(
        sign(render("mau_02", sample("mau_02")).pdf, signer), load_trust_roots(first)
    ).valid
    key_file.unlink()  # a missing file: a new CA for every unit
    assert ensure_development_ca(tmp_path / "ca", units, datetime.now(UTC)).read_bytes() != first


def test_document_numbers_use_the_form_symbol() -> None:
    assert document_number(125, "mau_05", "BHXHBĐ") == "125/TB-BHXHBĐ"
    assert document_number(7, "quyet_dinh", "BHXHBĐ") == "7/QĐ-BHXHBĐ"


def test_the_unit_container_template_signs_exactly_as_pyhanko_does() -> None:
    """Each signer re-fills its unit's CMS template (fast path) for ECDSA and RSA keys; without
    a template pyHanko assembles the container itself, and both verify the same way."""
    data, cert = _production_like_pkcs12()
    rsa_signer = UnitSigner.from_pkcs12(data, b"mat-khau")
    pdf = render("mau_01", sample("mau_01")).pdf
    for signer, roots in ((unit_signer(), trust_roots()), (rsa_signer, [cert])):
        assert signer._template is not None
        slow = dataclasses.replace(signer, _template=None)
        for variant in (signer, slow):
            result = verify(sign(pdf, variant), roots)
            assert result.valid, result.problems
