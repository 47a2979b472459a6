"""The tables of delivery to other systems: the outbox of messages written in the transaction
of a change, and the scheduler's heartbeat (docs/integration.md). On `storage.models.Base`'s
metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.packed import CompactJSON
from storage.types import BigIntPK, UTCDateTime


class OutboxMessage(Base):
    """A message to another system (the national portal, DVCQG), written in the transaction of
    the change it reports and delivered later by the scheduler's dispatcher (docs/integration.md).

    `key` (dossier code + event number) is the idempotency key the peer deduplicates on; a
    dossier's messages are delivered in event (`seq`) order, one at a time. `payload` is a neutral
    snapshot of the change; the destination's adapter maps it to the peer's format at delivery.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("destination", "key"),
        Index("ix_outbox_message_state_next", "state", "next_attempt_at"),
        Index("ix_outbox_message_dossier", "destination", "dossier_code", "seq"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    destination: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    dossier_code: Mapped[str] = mapped_column(String(60))
    #: The number of the event it reports on the dossier's chain: the order of delivery.
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    #: Compact JSON text on PostgreSQL (`storage.packed.CompactJSON`, migration 0017).
    payload: Mapped[dict[str, Any]] = mapped_column(CompactJSON)
    #: pending | delivered | dead (`storage.statuses.OutboxState`).
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: An administrator's last retry: the maximum age counts from it (else from `created_at`).
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class SchedulerHeartbeat(Base):
    """The active scheduler's last sign of life (one row per lock name), for the health check."""

    __tablename__ = "scheduler_heartbeat"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
