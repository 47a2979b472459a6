"""Column types shared by the models."""

from __future__ import annotations

import lzma
import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

#: JSON everywhere, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")
#: SQLite only auto-increments INTEGER PRIMARY KEY columns.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend (SEC-12)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC time")
        value = value.astimezone(UTC)
        # SQLite keeps text; a fixed naive-UTC form sorts and compares correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: A 1 MiB window holds the largest document (a Mẫu 07 of 1,000 rows, ~220 KB); the default
#: 8 MiB would only make every read allocate more.
_XZ: list[dict[str, Any]] = [{"id": lzma.FILTER_LZMA2, "preset": 6, "dict_size": 1 << 20}]
_XZ_MAGIC = b"\xfd7zXZ\x00"


class CompressedBytes(TypeDecorator[bytes]):
    """Bytes stored compressed (XZ: LZMA2 with a CRC-32), the original bytes in Python.

    For signed PDFs (issue 14): their fonts are already compressed, but the cross-reference
    tables, the XMP metadata and the signature's hexadecimal are not. LZMA2 stores a signed form
    in 1.2–1.7 KB less than zlib level 9 did (the hexadecimal certificates of the signature
    compress better), at 6–9 ms of CPU; rows written with zlib before still read (zlib streams
    start with 0x78, XZ with its magic). Bytes that no longer decompress (changed in the
    database) are returned as stored, so that their SHA-256 no longer matches and verification
    reports them; the CRC-32 makes a changed XZ stream fail rather than decode to other bytes."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return lzma.compress(value, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=_XZ)

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        stored = bytes(value)
        try:
            if stored.startswith(_XZ_MAGIC):
                return lzma.decompress(stored, format=lzma.FORMAT_XZ)
            return zlib.decompress(stored)
        except (lzma.LZMAError, zlib.error):
            return stored
