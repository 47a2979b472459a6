"""Frozen results about files: staged before their dossier exists, and a dossier's own
(`engine.services.staging`, `engine.services.files`); no ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StagedFile:
    """A checked file stored under its SHA-256, not yet part of a dossier
    (`staging.stage_upload`)."""

    sha256: str
    name: str
    size: int
    content_type: str


@dataclass(frozen=True, slots=True)
class StagingUsage:
    """What an account has staged and not attached (`staging.staging_usage`), and its quota."""

    files: int
    size: int
    max_files: int
    max_bytes: int
    ttl_seconds: int


@dataclass(frozen=True, slots=True)
class FileView:
    """A file uploaded to a dossier; `sha256` names its content, which never changes."""

    sha256: str
    name: str
    size: int
    content_type: str
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True, slots=True)
class FileContent:
    file: FileView
    content: bytes
