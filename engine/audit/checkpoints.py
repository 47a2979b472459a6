"""Signed checkpoints of chain heads, and the Merkle proofs that let one chain's entry stand alone.

A checkpoint lists the heads `[chain, seq, hash]` that changed since the previous checkpoint and
signs a body holding their Merkle root (RFC 6962 tree hashing), its number, time, author, and the
digest of the previous checkpoint's body. Deleting, reordering or editing a checkpoint therefore
breaks a signature or a link; the heads they certify, accumulated in order, say what every chain
held at the latest checkpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit.integrity import CHECKPOINT_INVALID, Anchor, IntegrityProblem
from engine.events import GENESIS_HASH, canonical_json, format_time
from engine.security.signing import VerifyingKey

FORMAT = "motcua-checkpoint/1"
#: `chain` of the problems found in the checkpoints themselves.
CHECKPOINTS_CHAIN = "checkpoints"

Entry = tuple[str, int, str]


def checkpoint_body(
    *,
    seq: int,
    created_at: datetime,
    created_by: str,
    prev_digest: str,
    root: str,
    count: int,
    key_id: str,
) -> dict[str, Any]:
    """What the signature covers."""
    return {
        "format": FORMAT,
        "seq": seq,
        "created_at": format_time(created_at),
        "created_by": created_by,
        "prev": prev_digest,
        "root": root,
        "count": count,
        "key_id": key_id,
    }


def body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def leaf_hash(entry: Sequence[Any]) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_json(list(entry))).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (RFC 6962 section 2.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _tree_hash(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(_tree_hash(leaves[:k]), _tree_hash(leaves[k:]))


def merkle_root(entries: Sequence[Sequence[Any]]) -> str:
    return _tree_hash([leaf_hash(entry) for entry in entries]).hex()


def inclusion_proof(entries: Sequence[Sequence[Any]], index: int) -> list[str]:
    """The audit path of entry `index` (RFC 6962 PATH), leaf side first."""
    leaves = [leaf_hash(entry) for entry in entries]

    def path(m: int, nodes: Sequence[bytes]) -> list[bytes]:
        if len(nodes) <= 1:
            return []
        k = _split(len(nodes))
        if m < k:
            return [*path(m, nodes[:k]), _tree_hash(nodes[k:])]
        return [*path(m - k, nodes[k:]), _tree_hash(nodes[:k])]

    return [node.hex() for node in path(index, leaves)]


def proves_inclusion(
    entry: Sequence[Any], index: int, size: int, proof: Sequence[str], root: str
) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` lead from `entry` at `index` to `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf_hash(entry)
    try:
        path = [bytes.fromhex(node) for node in proof]
    except ValueError:
        return False
    for node in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = _node(node, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = _node(result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result.hex() == root


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint as read back, whatever holds it (the database or a bundle)."""

    seq: int
    created_at: datetime
    created_by: str
    prev_digest: str
    entries: list[Entry]
    count: int
    root: str
    key_id: str
    signature: str
    digest: str

    def body(self) -> dict[str, Any]:
        return checkpoint_body(
            seq=self.seq,
            created_at=self.created_at,
            created_by=self.created_by,
            prev_digest=self.prev_digest,
            root=self.root,
            count=self.count,
            key_id=self.key_id,
        )


def signature_problem(
    body: dict[str, Any], signature: str, keys: Sequence[VerifyingKey]
) -> str | None:
    """Why the signature does not hold, or None."""
    key = next((k for k in keys if k.key_id == body["key_id"]), None)
    if key is None:
        return f"signed by key {str(body['key_id'])[:16]}…, which is not a trusted key"
    if not key.verifies(canonical_json(body), signature):
        return "the signature does not match its content"
    return None


@dataclass
class CheckpointLedger:
    """Checks checkpoints in order and accumulates what they certify (chain -> latest anchor)."""

    keys: Sequence[VerifyingKey]
    anchors: dict[str, Anchor]
    problems: list[IntegrityProblem]
    #: When checking one chain, only the checkpoints that list it get their Merkle root
    #: recomputed (signatures and links are checked for all).
    chain: str | None = None
    latest: StoredCheckpoint | None = None

    @classmethod
    def empty(cls, keys: Sequence[VerifyingKey], chain: str | None = None) -> CheckpointLedger:
        return cls(keys=keys, anchors={}, problems=[], chain=chain)

    def add_all(self, checkpoints: Iterable[StoredCheckpoint]) -> CheckpointLedger:
        for checkpoint in checkpoints:
            self.add(checkpoint)
        return self

    def add(self, checkpoint: StoredCheckpoint) -> None:
        expected_seq = self.latest.seq + 1 if self.latest else 1
        expected_prev = self.latest.digest if self.latest else GENESIS_HASH
        if checkpoint.seq != expected_seq:
            self._problem(checkpoint.seq, f"checkpoint #{expected_seq} is missing before this one")
        body = checkpoint.body()
        if checkpoint.prev_digest != expected_prev:
            self._problem(checkpoint.seq, "does not link to the checkpoint before it")
        lists_chain = self.chain is None or any(e[0] == self.chain for e in checkpoint.entries)
        if len(checkpoint.entries) != checkpoint.count or (
            lists_chain and merkle_root(checkpoint.entries) != checkpoint.root
        ):
            self._problem(checkpoint.seq, "its list of chain heads was changed after signing")
        if body_digest(body) != checkpoint.digest:
            self._problem(checkpoint.seq, "its stored digest does not match its content")
        why = signature_problem(body, checkpoint.signature, self.keys)
        if why is not None:
            self._problem(checkpoint.seq, why)
        for chain, seq, hash_ in checkpoint.entries:
            self.anchors[chain] = Anchor(seq, hash_, checkpoint.seq)
        self.latest = checkpoint

    def _problem(self, seq: int, detail: str) -> None:
        self.problems.append(
            IntegrityProblem(
                CHECKPOINT_INVALID, CHECKPOINTS_CHAIN, seq, f"checkpoint #{seq}: {detail}"
            )
        )
