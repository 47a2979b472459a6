"""Text stored compressed: a dossier's workflow state (issue 20).

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

import zlib
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

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
