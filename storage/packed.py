"""Compact stored forms (issue 20): a dossier's workflow state compressed (`PackedText`), the
audit chain's SHA-256 links as bytes (`HexDigest`) and the events' payloads as compact JSON text
(`CompactJSON`) on PostgreSQL.

The state is SpiffWorkflow's JSON of the whole task tree (~13 KB for a completed dossier). As
text, PostgreSQL compressed it with pglz into TOAST (~4 KB, plus the TOAST row and its index);
DEFLATE with a preset dictionary (`storage.state_dictionary`) stores it in ~1.5 KB, small enough
to stay in the dossier's row. The state is read and written on every task step: decompressing
takes ~10 µs, compressing ~0.2 ms, against the ~0.1 ms the JSON parse alone takes.

Stored form: one format byte, then the payload. 0x01: raw DEFLATE (no zlib header, no checksum)
with dictionary v1. A stored value that starts with any other byte is UTF-8 text as it was
before migration 0015 (a JSON state starts with `{`); such a row is packed when next written. A
value changed in the database either no longer decompresses, and reads as text that is not JSON
(loading the workflow fails), or decodes to another state, as an edited text did before: the
audit's consistency check compares the state with the events either way.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from sqlalchemy import JSON, Dialect, LargeBinary, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from storage.state_dictionary import STATE_DICTIONARY_V1

FORMAT_DEFLATE_V1 = 0x01
_LEVEL = 6
_WINDOW = -15  # raw DEFLATE: the format byte says what it is; 6 bytes of header saved
#: Priming a compressor with the 11 KB dictionary costs more than copying a primed one.
_PRIMED = zlib.compressobj(
    _LEVEL, zlib.DEFLATED, _WINDOW, 9, zlib.Z_DEFAULT_STRATEGY, STATE_DICTIONARY_V1
)


def pack(text: str) -> bytes:
    compressor = _PRIMED.copy()
    return bytes((FORMAT_DEFLATE_V1,)) + compressor.compress(text.encode()) + compressor.flush()


def unpack(stored: bytes) -> str:
    if stored[:1] != bytes((FORMAT_DEFLATE_V1,)):
        return stored.decode("utf-8", errors="replace")
    try:
        decompressor = zlib.decompressobj(_WINDOW, zdict=STATE_DICTIONARY_V1)
        text = decompressor.decompress(stored[1:]) + decompressor.flush()
        if not decompressor.eof:
            raise zlib.error("truncated")
    except zlib.error:
        return "<an undecodable workflow state>"
    return text.decode("utf-8", errors="replace")


class PackedText(TypeDecorator[str]):
    """A `str` in Python, stored as `pack`ed bytes (bytea, BLOB)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: bytes | str | None, dialect: Any) -> str | None:
        if value is None or isinstance(value, str):  # SQLite hands back text stored as text
            return value
        return unpack(bytes(value))


_DIGEST_LENGTH = 32
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def digest_bytes(value: str) -> bytes:
    """A SHA-256 in lower-case hex as its 32 bytes; any other text as its UTF-8 (never 32
    bytes long for what the application writes), so that it reads back as it was written."""
    if _HEX_DIGEST.fullmatch(value):
        return bytes.fromhex(value)
    return value.encode()


def digest_text(stored: bytes) -> str:
    if len(stored) == _DIGEST_LENGTH:
        return stored.hex()
    return stored.decode("utf-8", errors="replace")


class HexDigest(TypeDecorator[str]):
    """A SHA-256 hash chain link: lower-case hex in Python (what the hashes are computed from,
    exported and signed as), its 32 bytes in PostgreSQL's `bytea` (33 bytes stored instead of
    65 per hash; migration 0016). SQLite keeps the text.

    Whatever text is written reads back as it was (a forged value that is not a hash too), so
    verification sees exactly what it saw when the column held text. A 32-byte value someone
    wrote in the database reads as its hex, which matches a recomputed hash only if those are
    that hash's very bytes."""

    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(LargeBinary())
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | bytes | None:
        if value is None or dialect.name != "postgresql":
            return value
        return digest_bytes(value)

    def process_result_value(self, value: bytes | str | None, dialect: Dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return digest_text(bytes(value))


def compact_json(value: Any) -> str:
    """JSON without spaces, keys sorted, non-ASCII as itself: the form an event is hashed in."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class CompactJSON(TypeDecorator[Any]):
    """A JSON document stored as compact text on PostgreSQL (for `event.payload`, migration
    0017): an event's payload is written once and read whole, never queried inside by SQL, and
    JSONB spent ~15% more bytes on it (a header per key and value, numbers as `numeric`, aligned)
    than its canonical text does. SQLite stores JSON as text already (SQLAlchemy's `JSON`)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return Text() if dialect.name == "postgresql" else JSON()

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "postgresql":
            return value
        return compact_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and dialect.name == "postgresql":
            return json.loads(value)
        return value
