"""Merkle proofs and the checks on a sequence of signed checkpoints."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.audit.checkpoints import (
    CheckpointLedger,
    StoredCheckpoint,
    body_digest,
    checkpoint_body,
    inclusion_proof,
    merkle_root,
    proves_inclusion,
)
from engine.events import GENESIS_HASH, canonical_json
from engine.security.signing import SigningKey, VerifyingKey

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def entries(n: int) -> list[tuple[str, int, str]]:
    return [(f"dossier:X-{i:04d}", i + 1, f"{i:064x}") for i in range(n)]


@pytest.mark.parametrize("size", range(1, 18))
def test_every_entry_has_a_proof_and_no_proof_fits_another_entry(size: int) -> None:
    items = entries(size)
    root = merkle_root(items)
    for index, entry in enumerate(items):
        proof = inclusion_proof(items, index)
        assert proves_inclusion(entry, index, size, proof, root)
        assert not proves_inclusion((entry[0], entry[1] + 1, entry[2]), index, size, proof, root)
        if size > 1:
            other = (index + 1) % size
            assert not proves_inclusion(entry, other, size, proof, root)


def sign(
    key: SigningKey, seq: int, prev: str, items: list[tuple[str, int, str]]
) -> StoredCheckpoint:
    body = checkpoint_body(
        seq=seq,
        created_at=T0,
        created_by="auditor",
        prev_digest=prev,
        root=merkle_root(items),
        count=len(items),
        key_id=key.key_id,
    )
    return StoredCheckpoint(
        seq=seq,
        created_at=T0,
        created_by="auditor",
        prev_digest=prev,
        entries=items,
        count=len(items),
        root=body["root"],
        key_id=key.key_id,
        signature=key.sign(canonical_json(body)),
        digest=body_digest(body),
    )


def three(key: SigningKey) -> list[StoredCheckpoint]:
    first = sign(key, 1, GENESIS_HASH, entries(3))
    second = sign(key, 2, first.digest, entries(2))
    return [first, second, sign(key, 3, second.digest, [("system", 9, "f" * 64)])]


def problems(keys: list[VerifyingKey], checkpoints: list[StoredCheckpoint]) -> list[str]:
    ledger = CheckpointLedger.empty(keys).add_all(checkpoints)
    return [p.detail for p in ledger.problems]


def test_a_sound_sequence_accumulates_the_latest_head_of_each_chain() -> None:
    key = SigningKey(Ed25519PrivateKey.generate())
    ledger = CheckpointLedger.empty([key.public]).add_all(three(key))
    assert ledger.problems == []
    assert ledger.anchors["dossier:X-0000"].checkpoint_seq == 2
    assert ledger.anchors["dossier:X-0002"].checkpoint_seq == 1
    assert ledger.anchors["system"].seq == 9


def test_a_deleted_or_edited_checkpoint_or_a_foreign_key_is_named() -> None:
    key = SigningKey(Ed25519PrivateKey.generate())
    first, second, third = three(key)
    assert problems([key.public], [first, third]) == [
        "checkpoint #3: checkpoint #2 is missing before this one",
        "checkpoint #3: does not link to the checkpoint before it",
    ]
    edited = dataclasses.replace(second, entries=entries(1))
    assert "checkpoint #2: its list of chain heads was changed after signing" in problems(
        [key.public], [first, edited, third]
    )
    stranger = SigningKey(Ed25519PrivateKey.generate())
    assert problems([stranger.public], [first])[0].startswith("checkpoint #1: signed by key")


def test_the_private_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "var" / "audit_signing_key.pem"
    first = SigningKey.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert SigningKey.load_or_create(path).key_id == first.key_id
    assert VerifyingKey.from_pem(first.public.pem).key_id == first.key_id
    assert list(path.parent.iterdir()) == [path]
