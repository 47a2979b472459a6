"""What may be uploaded (SEC-7) and where it is kept (SEC-2).

The type of a file is read from its first bytes, never taken from the client; only scanned
documents and photos are allowed. Files are stored once under their SHA-256, read-only and never
executable; a name that already exists is never written again, so a stored file never changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from engine.errors import FieldError, UnsupportedMediaTypeError, ValidationFailedError


@dataclass(frozen=True, slots=True)
class AllowedType:
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes


ALLOWED_TYPES = (
    AllowedType("application/pdf", (".pdf",), b"%PDF-"),
    AllowedType("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    AllowedType("image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
)
MAX_NAME_LENGTH = 200
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def sniff(content: bytes) -> AllowedType | None:
    """The allowed type whose signature starts `content`, or None."""
    return next((t for t in ALLOWED_TYPES if content.startswith(t.magic)), None)


def checked_upload(name: str, content: bytes) -> tuple[str, AllowedType]:
    """A safe display name and the sniffed type of an upload.

    Raises:
        ValidationFailedError: an empty file or an unusable name.
        UnsupportedMediaTypeError: content of a type not allowed, or a name claiming another type.
    """
    if not content:
        raise ValidationFailedError("the file is empty", [FieldError("file", "the file is empty")])
    kind = sniff(content)
    allowed = ", ".join(t.content_type for t in ALLOWED_TYPES)
    if kind is None:
        raise UnsupportedMediaTypeError(f"only these file types are accepted: {allowed}")
    safe = safe_name(name)
    suffix = PurePosixPath(safe).suffix.lower()
    if not suffix:
        safe = (safe or "document")[: MAX_NAME_LENGTH - 5] + kind.extensions[0]
    elif suffix not in kind.extensions:
        raise UnsupportedMediaTypeError(
            f"the file's content is {kind.content_type} but its name ends in {suffix}"
        )
    return safe, kind


def safe_name(name: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C"
    ).strip(" .")
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and len(cleaned) > MAX_NAME_LENGTH:
        return stem[: MAX_NAME_LENGTH - len(suffix) - 1] + "." + suffix[:10]
    return cleaned[:MAX_NAME_LENGTH]


class FileStore:
    """Content-addressed files under `root/<2 hex>/<sha256>`, written once, mode 0440."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not SHA256_PATTERN.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store `content` (if new) and return its SHA-256; an existing file is never rewritten."""
        sha256 = hashlib.sha256(content).hexdigest()
        final = self.path_of(sha256)
        if final.exists():
            return sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.parent / f".{sha256}.{os.getpid()}.{os.urandom(4).hex()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o440)
            with contextlib.suppress(FileExistsError):  # never replace a stored file
                os.link(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def delete(self, sha256: str) -> bool:
        """Remove content nothing refers to any more (a staged file never attached, see
        engine/services/staging.py); True if it was there. The caller holds the content's lock."""
        try:
            self.path_of(sha256).unlink()
        except FileNotFoundError:
            return False
        return True
