"""The workflow state's stored form (storage.packed, issue 20): what is packed unpacks to the
same text, rows stored before the packing still read, and format 1 stays readable for ever."""

from __future__ import annotations

import hashlib
import json

from engine.spiff.serializer import is_state
from storage.packed import (
    FORMAT_DEFLATE_V1,
    compact_json,
    digest_bytes,
    digest_text,
    pack,
    unpack,
)
from storage.state_dictionary import STATE_DICTIONARY_V1, STATE_DICTIONARY_V1_SHA256

STATE = json.dumps(
    {
        "data": {"full_name": "Nguy\u1ec5n V\u0103n An", "supplement_rounds": 0},
        "tasks": {"fb39b0dc-82ea-46f2-9c77-246c4bdf3b6b": {"state": 64, "task_spec": "Start"}},
        "serializer_version": "1.5",
    },
    separators=(",", ":"),
)


def test_a_packed_state_unpacks_to_the_same_text_and_is_far_smaller() -> None:
    big = json.dumps({"tasks": {str(n): {"data": {}, "state": 64} for n in range(200)}})
    for text in (STATE, big, "", '{"x":"' + "\u00e9" * 5000 + '"}'):
        packed = pack(text)
        assert packed[0] == FORMAT_DEFLATE_V1
        assert unpack(packed) == text
    assert len(pack(big)) * 10 < len(big)


def test_a_state_stored_as_text_before_the_packing_still_reads() -> None:
    assert unpack(STATE.encode()) == STATE
    assert unpack('{"full_name":"Nguy\u1ec5n"}'.encode()) == '{"full_name":"Nguy\u1ec5n"}'


def test_format_1_as_written_today_reads_for_ever() -> None:
    """Bytes packed by this version: a later zlib may compress differently, never decode so."""
    stored = bytes.fromhex("01abc62d87289d6b6b01")
    assert unpack(stored) == '{"serializer_version":"1.5","tasks":{}}'
    assert hashlib.sha256(STATE_DICTIONARY_V1).hexdigest() == STATE_DICTIONARY_V1_SHA256
    assert STATE_DICTIONARY_V1_SHA256 == (
        "448b570fa177235bcd91c7e86788eb1e33a8967a0011f5222b9f9b4a58624235"
    )


def test_a_packed_state_changed_in_the_database_does_not_read_as_a_state() -> None:
    packed = pack(STATE)
    for damaged in (packed[:-3], packed[:1] + b"\xff" * 8, bytes((FORMAT_DEFLATE_V1,))):
        assert not is_state(unpack(damaged))


def test_a_hash_link_is_stored_as_its_bytes_and_any_other_text_reads_back_as_written() -> None:
    digest = hashlib.sha256(b"event").hexdigest()
    assert digest_bytes(digest) == bytes.fromhex(digest) and len(digest_bytes(digest)) == 32
    for text in (digest, "0" * 64):
        assert digest_text(digest_bytes(text)) == text
    for forged in ("x", "not-a-hash", digest.upper(), digest + "0"):
        assert digest_bytes(forged) == forged.encode()
        assert digest_text(digest_bytes(forged)) == forged
    # Text of exactly 32 bytes reads as their hex: still no hash, unless they are its bytes.
    assert digest_text(digest_bytes("é" * 16)) == ("é" * 16).encode().hex() != digest


def test_a_payload_is_stored_as_its_canonical_json() -> None:
    payload = {"b": [1, 2.5, None], "a": "Nguy\u1ec5n", "c": {"z": True, "y": {}}}
    assert compact_json(payload) == '{"a":"Nguy\u1ec5n","b":[1,2.5,null],"c":{"y":{},"z":true}}'
    assert json.loads(compact_json(payload)) == payload
