"""Verifying a signed document of record, offline, against configured trust roots.

A document is valid when it has exactly one signature, the signature is intact and covers the
whole file (no revision appended after it), the signer's chain ends at one of the trust roots,
and the certification (DocMDP) was respected. Every problem found is listed; bad or hostile
bytes give an invalid result, never an exception. No network: revocation data is not fetched.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from engine.documents.certificates import (
    Identity,
    certificate_der,
    certificate_from_der,
    identity,
    is_development_certificate,
)

_log = logging.getLogger(__name__)
# pyHanko logs an expected outcome (e.g. an untrusted chain) as an error with a traceback; the
# result below states it, so its own loggers would only flood the server log.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """What `verify` found; `valid` is the bottom line, `problems` say why not."""

    valid: bool
    sha256: str  # of the whole file as given: compare it with the audit chain's record
    size: int
    intact: bool = False
    covers_whole_file: bool = False
    trusted: bool = False
    signer: Identity | None = None
    development_certificate: bool = False
    signed_at: datetime | None = None
    problems: Sequence[str] = field(default_factory=tuple)


def verify(pdf: bytes, trust_roots: Sequence[x509.Certificate]) -> VerificationResult:
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        return _verify(pdf, trust_roots, digest)
    except Exception as exc:  # hostile bytes can break the PDF or CMS parsers in many ways
        _log.info("document verification failed to parse: %r", exc)
        reason = f"the file is not a readable signed PDF ({type(exc).__name__})"
        return VerificationResult(valid=False, sha256=digest, size=len(pdf), problems=(reason,))


def _signature_value_is_canonical(pdf: bytes, signature: Any) -> bool:
    """The one region no signature covers is its own value: `<hex CMS, then 0 padding>`.

    A changed padding digit, or a digit's case, leaves the signature valid but the file
    different from the one issued, so the region must be exactly what the signer wrote.
    """
    start, length, end = (int(n) for n in list(signature["/ByteRange"])[:3])
    region = pdf[start + length : end]
    if len(region) < 2 or region[:1] != b"<" or region[-1:] != b">":
        return False
    digits = region[1:-1]
    try:
        raw = bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        return False
    if raw.hex().upper().encode() != digits:  # upper case, as pyHanko writes it
        return False
    end_of_cms = _der_end(raw, 0, len(raw))
    return end_of_cms is not None and not any(raw[end_of_cms:])


def _der_end(data: bytes, start: int, limit: int, depth: int = 0) -> int | None:
    """Where the DER element at `start` ends, if every constructed element in it is exactly
    filled by its children (a changed length byte would otherwise hide bytes in the padding)."""
    if depth > 40 or start + 2 > limit:
        return None
    tag, first = data[start], data[start + 1]
    # tag 0 is end-of-contents (zero padding would pass as empty elements); high tag numbers do
    # not occur in a CMS signature
    if tag == 0 or tag & 0x1F == 0x1F:
        return None
    header = 2
    length = first
    if first & 0x80:
        size = first & 0x7F
        if size == 0 or size > 4 or start + 2 + size > limit:
            return None
        length = int.from_bytes(data[start + 2 : start + 2 + size], "big")
        header += size
    end = start + header + length
    if end > limit:
        return None
    if tag & 0x20:  # constructed: its children must end exactly at its end
        child = start + header
        while child < end:
            child_end = _der_end(data, child, end, depth + 1)
            if child_end is None:
                return None
            child = child_end
    return end


def _unsigned_fields_are_as_signed(signed_data: Any) -> bool:
    """CMS fields outside the signed attributes that validation does not use: versions and the
    digestAlgorithms set. A changed byte there leaves the signature valid, so require exactly
    what a PAdES signer writes (v1, and the one digest algorithm the signer used)."""
    signer_infos = list(signed_data["signer_infos"])
    if signed_data["version"].native != "v1" or len(signer_infos) != 1:
        return False
    signer = signer_infos[0]
    digests = [algorithm.dump() for algorithm in signed_data["digest_algorithms"]]
    return signer["version"].native == "v1" and digests == [signer["digest_algorithm"].dump()]


def _verify(pdf: bytes, roots: Sequence[x509.Certificate], digest: str) -> VerificationResult:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    if len(signatures) != 1:
        problem = "the document is not signed" if not signatures else "more than one signature"
        return VerificationResult(False, digest, len(pdf), problems=(problem,))
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(certificate_der(r)) for r in roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    try:
        status = validate_pdf_signature(signatures[0], signer_validation_context=context)
    except SignatureValidationError as exc:
        return VerificationResult(False, digest, len(pdf), problems=(f"signature: {exc}"[:300],))
    problems: list[str] = []
    if not _signature_value_is_canonical(pdf, signatures[0].sig_object):
        problems.append("the bytes around the signature value were changed")
    elif not _unsigned_fields_are_as_signed(signatures[0].signed_data):
        problems.append("the signature container was changed outside its signed part")
    intact = bool(status.intact and status.valid)
    if not intact:
        problems.append("the signed bytes were changed after signing")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole:
        problems.append("content was appended after the signature (an incremental update)")
    if status.modification_level not in (None, ModificationLevel.NONE) or status.docmdp_ok is False:
        problems.append("the document was modified after it was certified")
    trusted = bool(status.trusted)
    if intact and not trusted:  # (a broken signature is not evaluated for trust at all)
        problems.append("the signer's certificate does not chain to a configured trust root")
    cert = certificate_from_der(status.signing_cert.dump())
    return VerificationResult(
        valid=not problems,
        sha256=digest,
        size=len(pdf),
        intact=intact,
        covers_whole_file=whole,
        trusted=trusted,
        signer=identity(cert),
        development_certificate=is_development_certificate(cert),
        signed_at=status.signer_reported_dt,
        problems=tuple(problems),
    )
