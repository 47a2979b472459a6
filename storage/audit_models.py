"""The tables of the audit log (docs/architecture.md section 5): the hash-chained events, the
head of each chain, and the signed checkpoints of the heads. On `storage.models.Base`'s metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.packed import CompactJSON, HexDigest
from storage.types import BigIntPK, JSONType, UTCDateTime


class Chain(Base):
    """Head of one hash chain of events: a dossier's (`dossier:<code>`) or the `system` chain."""

    __tablename__ = "chain"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    head_seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(HexDigest)


class Event(Base):
    """An append-only audit event, hash-chained per chain (docs/architecture.md section 5)."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id"), nullable=True, index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(60))
    actor_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_username: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(40))
    actor_unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    bpmn_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: Compact JSON text on PostgreSQL (`storage.packed.CompactJSON`, migration 0017).
    payload: Mapped[dict[str, Any]] = mapped_column(CompactJSON)
    #: Hex in Python; 32 bytes on PostgreSQL (`storage.packed.HexDigest`, migration 0016).
    prev_hash: Mapped[str] = mapped_column(HexDigest)
    hash: Mapped[str] = mapped_column(HexDigest)


class Checkpoint(Base):
    """A signed statement of chain heads (Ed25519). Append-only; each links to the one before.

    `entries` are the heads that changed since the previous checkpoint, `[[chain, seq, hash], ...]`
    sorted by chain; the signature covers their Merkle root, so one entry can be proven alone.
    """

    __tablename__ = "checkpoint"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    prev_digest: Mapped[str] = mapped_column(String(64))
    entries: Mapped[list[Any]] = mapped_column(JSONType, deferred=True)  # may be large
    entry_count: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(64))


class CheckpointHead(Base):
    """Each chain's head as last certified by a checkpoint: a cache to compute the next delta."""

    __tablename__ = "checkpoint_head"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(HexDigest)
    checkpoint_seq: Mapped[int] = mapped_column(Integer)
