"""The server's Ed25519 signing key for checkpoints and bundles (the only user of `cryptography`).

The private key is generated on first start in the var directory (file mode 0600) and never
leaves it; the public key is exported for auditors (`motcua audit public-key`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE_NAME = "audit_signing_key.pem"
ALGORITHM = "Ed25519"


class PublicKeyError(ValueError):
    """Text that is not an Ed25519 public key in PEM form."""


@dataclass(frozen=True, slots=True)
class VerifyingKey:
    """A public key auditors trust; `key_id` names it in checkpoints and bundles."""

    key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return hashlib.sha256(raw).hexdigest()

    @property
    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verifies(self, message: bytes, signature: str) -> bool:
        try:
            self.key.verify(base64.b64decode(signature, validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    @classmethod
    def from_pem(cls, text: str | bytes) -> VerifyingKey:
        data = text.encode("ascii", "replace") if isinstance(text, str) else text
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as exc:
            raise PublicKeyError("not a PEM public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise PublicKeyError(f"not an {ALGORITHM} public key")
        return cls(key)


class SigningKey:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public = VerifyingKey(private_key.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Load the key at `path`, creating it (mode 0600) on first start.

        Several processes may start at once: the key is written to a private temporary file and
        linked into place, so exactly one key wins and nobody reads a half-written file.
        """
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem)
                    handle.flush()
                    os.fsync(handle.fileno())
                with contextlib.suppress(FileExistsError):  # another process won: use its key
                    os.link(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an {ALGORITHM} private key")
        return cls(key)
