"""The upload allow-list, file names and the write-once file store."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from engine.errors import UnsupportedMediaTypeError, ValidationFailedError
from engine.uploads import FileStore, checked_upload, safe_name, sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"%PDF-1.4\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (PNG, "image/png"),
        (b"MZ\x90\x00", None),
        (b"#!/bin/sh\nrm -rf /", None),
        (b"<svg onload=alert(1)>", None),
        (b"PK\x03\x04", None),
        (b" %PDF-1.4", None),
    ],
)
def test_types_are_sniffed_from_the_first_bytes(content: bytes, content_type: str | None) -> None:
    found = sniff(content)
    assert (found.content_type if found else None) == content_type


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\an\\scan.pdf", "scan.pdf"),
        ("  .hidden.png ", "hidden.png"),
        ("tờ\u0000khai\u202e.pdf", "tờkhai.pdf"),
        ("a" * 300 + ".png", "a" * 196 + ".png"),
    ],
)
def test_names_keep_only_a_safe_last_component(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_an_upload_is_checked_by_content_and_name() -> None:
    assert checked_upload("", PNG)[0] == "document.png"
    with pytest.raises(ValidationFailedError):
        checked_upload("x.png", b"")
    with pytest.raises(UnsupportedMediaTypeError, match="ends in .exe"):
        checked_upload("x.exe", PNG)


def test_the_store_writes_once_read_only_and_keeps_the_first_copy(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    sha = store.put(PNG)
    assert sha == hashlib.sha256(PNG).hexdigest()
    path = store.path_of(sha)
    assert stat.S_IMODE(path.stat().st_mode) == 0o440
    inode = path.stat().st_ino
    assert store.put(PNG) == sha and path.stat().st_ino == inode
    assert store.get(sha) == PNG
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [sha]  # no temporary left
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_of("../../etc/passwd")
