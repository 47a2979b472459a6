"""Documents of record (Mẫu 01–07 and results): render from data, sign (PAdES), verify.

Pure functions and small classes, no database: `render(form, data)`, `sign(pdf, signer)`,
`verify(pdf, trust_roots)`. Typst, pyHanko and asn1crypto are used only inside this package.
"""

from engine.documents.catalogue import FormSpec, catalogue, document_number
from engine.documents.certificates import (
    DevelopmentCA,
    Identity,
    create_development_ca,
    ensure_development_ca,
    is_development_certificate,
    load_trust_roots,
    pkcs12_path,
)
from engine.documents.errors import SigningKeyError, TemplateError, TrustRootError
from engine.documents.rendering import RenderedDocument, render, render_html, render_pdf
from engine.documents.signing import UnitSigner, sign
from engine.documents.verification import VerificationResult, verify

__all__ = [
    "DevelopmentCA",
    "FormSpec",
    "Identity",
    "RenderedDocument",
    "SigningKeyError",
    "TemplateError",
    "TrustRootError",
    "UnitSigner",
    "VerificationResult",
    "catalogue",
    "create_development_ca",
    "document_number",
    "ensure_development_ca",
    "is_development_certificate",
    "load_trust_roots",
    "pkcs12_path",
    "render",
    "render_html",
    "render_pdf",
    "sign",
    "verify",
]
