"""Seal a secret the server must read back later (a webhook's signing secret): AES-256-GCM with
a key derived from MOTCUA_SECRET_KEY (HKDF-SHA256). A hash would not do: signing needs the
secret itself. Sealed, a copy of the database alone does not let anyone forge signatures; the
price is that a new MOTCUA_SECRET_KEY cannot open the old seals (docs/integration.md)."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
NONCE_BYTES = 12


class UnsealError(Exception):
    """The seal was made with another key, or altered."""


def _key(server_secret: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"motcua {purpose}".encode()
    ).derive(server_secret.encode("utf-8"))


def seal(server_secret: str, purpose: str, secret: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(server_secret, purpose)).encrypt(
        nonce, secret.encode("utf-8"), purpose.encode()
    )
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(server_secret: str, purpose: str, sealed: str) -> str:
    if not sealed.startswith(PREFIX):
        raise UnsealError("not a sealed secret")
    try:
        raw = base64.urlsafe_b64decode(sealed.removeprefix(PREFIX))
        plain = AESGCM(_key(server_secret, purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise UnsealError("the secret was sealed with another MOTCUA_SECRET_KEY") from exc
    return plain.decode("utf-8")
