"""Errors of the documents package; bad data is `engine.errors.ValidationFailedError`."""

from __future__ import annotations

from engine.errors import EngineError


class TemplateError(EngineError):
    """A template in the catalogue is broken (a deployment problem, never the data's fault)."""

    code = "document-template-error"


class SigningKeyError(EngineError):
    """A unit's PKCS#12 file or passphrase cannot be used to sign."""

    code = "signing-key-error"


class TrustRootError(EngineError):
    """A trust root file is not a PEM certificate."""

    code = "trust-root-error"
