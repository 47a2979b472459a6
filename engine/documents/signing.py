"""Signing a rendered PDF: PAdES baseline B-B with a unit's PKCS#12 (key, certificate, chain).

No network, ever: no timestamp authority (B-T would need one), no OCSP or CRL fetch. The
signature certifies the document (DocMDP "no changes"), so any later revision is a change the
verifier reports. The signing time is the signer's clock, stated in the signature.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from engine.documents.certificates import Identity, identity, is_development_certificate
from engine.documents.cms_template import CmsTemplate, build_template
from engine.documents.errors import SigningKeyError
from engine.errors import FieldError, ValidationFailedError

SIGNATURE_FIELD = "ChuKySo"  # "digital signature"; one per document
_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


class _KeptMetadataWriter(IncrementalPdfFileWriter):
    """Leaves the document's metadata as rendered: pyHanko would rewrite the whole XMP packet
    and the Info dictionary in the signature's update only to say "pyHanko" and the signing time
    (~1.6 KB per document; the signing time is in the signature itself, /M and signingTime)."""

    def _update_meta(self) -> None:
        return None


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key at every signature (70 ms for RSA,
    because OpenSSL checks the key on load); this one signs with the key loaded once."""

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, **kwargs: object):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        digest = _HASHES.get(digest_algorithm)
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if digest is None or mechanism not in ("rsassa_pkcs1v15", "ecdsa"):
            return bytes(super().sign_raw(data, digest_algorithm))  # e.g. RSASSA-PSS
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), digest)
        return self._key.sign(data, ec.ECDSA(digest))


@dataclass(frozen=True)
class UnitSigner:
    """A unit's signing credentials; build it with `from_pkcs12`."""

    certificate: x509.Certificate
    chain: Sequence[x509.Certificate]
    _signer: _LoadedKeySigner = field(repr=False)
    _template: CmsTemplate | None = field(repr=False)

    @property
    def identity(self) -> Identity:
        return identity(self.certificate)

    @property
    def is_development(self) -> bool:
        return is_development_certificate(self.certificate)

    @classmethod
    def from_pkcs12(cls, data: bytes, passphrase: bytes | None = None) -> UnitSigner:
        """SigningKeyError when the file, passphrase or key type cannot be used."""
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise SigningKeyError(
                "the PKCS#12 file cannot be opened (wrong passphrase or not PKCS#12)"
            ) from exc
        if cert is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningKeyError(
                "the PKCS#12 file must hold an RSA or ECDSA key and its certificate"
            )
        if _der_public(cert.public_key()) != _der_public(key.public_key()):
            raise SigningKeyError("the PKCS#12 key does not belong to its certificate")
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        registry.register_multiple(asn1_x509.Certificate.load(_der(c)) for c in chain)
        signer = _LoadedKeySigner(
            key,
            signing_cert=asn1_x509.Certificate.load(_der(cert)),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=registry,
            embed_roots=False,  # the verifier holds the root; embedding it only adds bytes
        )
        return cls(cert, tuple(chain), signer, build_template(signer, key))


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _der_public(key: object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(pdf: bytes, signer: UnitSigner, *, reason: str = "", location: str = "") -> bytes:
    """The PDF with the unit's PAdES signature appended as an incremental update."""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=reason or None,
        location=location or None,
        embed_validation_info=False,  # would fetch revocation data
    )
    try:
        writer = _KeptMetadataWriter(io.BytesIO(pdf), strict=False)
        if signer._template is None:
            output = signers.sign_pdf(writer, meta, signer=signer._signer)
        else:
            output = asyncio.run(_sign_with_template(writer, meta, signer, signer._template))
    except (PdfError, SigningError, ValueError) as exc:
        raise ValidationFailedError(
            "the document cannot be signed", [FieldError("pdf", str(exc)[:200])]
        ) from exc
    signed: bytes = output.getvalue()
    return signed


async def _sign_with_template(
    writer: IncrementalPdfFileWriter,
    meta: signers.PdfSignatureMetadata,
    signer: UnitSigner,
    template: CmsTemplate,
) -> Any:
    """pyHanko prepares the PDF (signature field, byte ranges, digest) and embeds the container;
    the container itself comes from the unit's template (see cms_template)."""
    pdf_signer = signers.PdfSigner(meta, signer=signer._signer)
    prepared, _, output = await pdf_signer.async_digest_doc_for_signing(
        writer,
        bytes_reserved=2 * template.size,  # hexadecimal digits
    )
    container = template.sign(prepared.document_digest)
    await PdfTBSDocument.async_finish_signing(output, prepared, container)
    return output
