"""Rows of the integration with other systems and applicants (issue 18, docs/integration.md):
webhook endpoints, the applicants' choice of notification channels, and the online dossiers whose
acknowledgement was late (R-2.4). Kept apart from `storage.models`, on the same metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import JSONType, UTCDateTime


class Webhook(Base):
    """An HTTPS endpoint of another system that is told of matching dossier events, signed with
    its secret. Its messages are outbox rows whose destination is `webhook:<id>`."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    #: Which events: `status_changed`, `document_issued` (at least one).
    events: Mapped[list[str]] = mapped_column(JSONType)
    #: Only these statuses (1-10) of `status_changed`; empty: all.
    statuses: Mapped[list[int]] = mapped_column(JSONType)
    #: The signing secret, sealed (AES-GCM, key derived from MOTCUA_SECRET_KEY): it must be
    #: readable to sign, so it cannot be hashed; a database dump alone does not reveal it.
    sealed_secret: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationChoice(Base):
    """The channels an applicant with an account chose to be told of their dossiers by."""

    __tablename__ = "notification_choice"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
    sms: Mapped[bool] = mapped_column(Boolean)
    #: The address and number to use; None: the one given in each dossier.
    email_address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LateAcknowledgement(Base):
    """An online dossier whose acknowledgement was not delivered within 2 hours (R-2.4),
    flagged by the scheduler's check; `delivered_at` is filled if it arrived later."""

    __tablename__ = "late_acknowledgement"

    dossier_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Why: no channel configured, not delivered yet, delivered late.
    reason: Mapped[str] = mapped_column(String(200))
