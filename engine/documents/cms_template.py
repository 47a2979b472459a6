"""A unit's PAdES signature container, built once by pyHanko and re-filled for each document.

In a PAdES B-B signature of one unit, every byte of the CMS SignedData is the same from one
document to the next except two: the document's digest (inside the signed attributes) and the
signature over those attributes. pyHanko assembles the whole structure with asn1crypto at every
signature, which is 85 % of the signing time; this keeps the bytes pyHanko produced for the
first one and only replaces the digest, signs, and re-encodes the lengths around the signature.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

# Signed attributes that are the same for every document of a unit (pyHanko's PAdES B-B uses
# the first two); any other attribute means the template does not apply.
_CONSTANT_ATTRIBUTES = {"content_type", "signing_certificate_v2", "cms_algorithm_protection"}
_PLACEHOLDER = hashlib.sha256(b"motcua: placeholder digest of the CMS template").digest()


def _accepts(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> set[str]:
    return {"rsassa_pkcs1v15"} if isinstance(key, rsa.RSAPrivateKey) else {"ecdsa"}


def _tlv(tag: int, content: bytes) -> bytes:
    """A DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


@dataclass(frozen=True, slots=True)
class CmsTemplate:
    """The constant parts of a unit's SignedData, as DER."""

    content_info_head: bytes  # the signedData OID
    signed_data_head: bytes  # version, digestAlgorithms, encapContentInfo, certificates
    signer_info_head: bytes  # version, sid, digestAlgorithm
    attributes_before: bytes  # the [0] signed attributes up to the digest
    attributes_after: bytes  # and after it
    signature_algorithm: bytes
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @property
    def size(self) -> int:
        """An upper bound of the container's size (an ECDSA signature is at most 72 bytes)."""
        return len(self.fill(_PLACEHOLDER, b"\xff" * _max_signature(self.key))) + 16

    def sign(self, document_digest: bytes) -> bytes:
        """The DER ContentInfo signing `document_digest` (SHA-256 of the signed byte ranges)."""
        if len(document_digest) != len(_PLACEHOLDER):
            raise ValueError("the document digest must be a SHA-256 digest")
        attributes = self.attributes_before + document_digest + self.attributes_after
        signed = b"\x31" + attributes[1:]  # signed as a SET OF, stored as [0] IMPLICIT
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = self.key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self.fill(document_digest, signature)

    def fill(self, digest: bytes, signature: bytes) -> bytes:
        attributes = self.attributes_before + digest + self.attributes_after
        signer_info = _tlv(
            0x30,
            self.signer_info_head + attributes + self.signature_algorithm + _tlv(0x04, signature),
        )
        signed_data = _tlv(0x30, self.signed_data_head + _tlv(0x31, signer_info))
        return _tlv(0x30, self.content_info_head + _tlv(0xA0, signed_data))


def _max_signature(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> int:
    if isinstance(key, rsa.RSAPrivateKey):
        return (key.key_size + 7) // 8
    return 2 * ((key.curve.key_size + 7) // 8) + 9  # DER SEQUENCE of two INTEGERs


def build_template(
    pyhanko_signer: Any, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
) -> CmsTemplate | None:
    """Let pyHanko make one PAdES container and cut it into constant parts; None when its shape
    is not the expected one (then every signature is assembled by pyHanko, only slower)."""
    content_info = asyncio.run(
        pyhanko_signer.async_sign(_PLACEHOLDER, "sha256", use_pades=True, is_pdf_sig=True)
    )
    signed_data = content_info["content"]
    signer_infos = list(signed_data["signer_infos"])
    if len(signer_infos) != 1 or signed_data["crls"].native:
        return None
    info = signer_infos[0]
    kinds = {attribute["type"].native for attribute in info["signed_attrs"]}
    if "message_digest" not in kinds or kinds - _CONSTANT_ATTRIBUTES - {"message_digest"}:
        return None
    if info["unsigned_attrs"].native:
        return None
    if info["digest_algorithm"]["algorithm"].native != "sha256":
        return None
    if info["signature_algorithm"].signature_algo not in _accepts(key):
        return None  # e.g. RSASSA-PSS: sign() makes PKCS#1 v1.5 or ECDSA signatures only
    attributes = info["signed_attrs"].dump()
    if attributes.count(_PLACEHOLDER) != 1:
        return None
    at = attributes.index(_PLACEHOLDER)
    head = b"".join(
        signed_data[name].dump()
        for name in ("version", "digest_algorithms", "encap_content_info", "certificates")
    )
    template = CmsTemplate(
        content_info_head=content_info["content_type"].dump(),
        signed_data_head=head,
        signer_info_head=b"".join(
            info[name].dump() for name in ("version", "sid", "digest_algorithm")
        ),
        attributes_before=attributes[:at],
        attributes_after=attributes[at + len(_PLACEHOLDER) :],
        signature_algorithm=info["signature_algorithm"].dump(),
        key=key,
    )
    # The template must reproduce pyHanko's own bytes exactly (same digest, same signature).
    if template.fill(_PLACEHOLDER, info["signature"].native) != content_info.dump():
        return None
    return template
