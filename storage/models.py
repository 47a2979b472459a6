"""The tables (docs/architecture.md section 2): column meaning here, behaviour in engine/.

This module holds the declarative `Base` and the core: the reference data (deployed definitions,
units, calendar overrides) and the dossiers with their projections (work items, timers) and
files (uploaded to a dossier, or staged before it exists). The other tables, on the same
metadata: `storage.account_models`, `storage.audit_models`, `storage.record_models`,
`storage.outbox_models`, `storage.integration_models`; `storage.schema` imports them all."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.packed import PackedText
from storage.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Definition(Base):
    """One immutable deployed version of a procedure's diagram bundle."""

    __tablename__ = "definition"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict[str, str]] = mapped_column(JSONType)
    forms: Mapped[dict[str, Any]] = mapped_column(JSONType)
    model: Mapped[dict[str, Any]] = mapped_column(JSONType)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(80))


class Unit(Base):
    """A BHXH office; `code` is its identifier code (Circular 10/2016), e.g. 000.00.07.H29."""

    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarOverride(Base):
    """A day whose working status an administrator decided (swapped Saturday, extra day off)."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # workday | day_off
    note: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))


class Dossier(Base):
    """A dossier (hồ sơ): its pinned definition, status, dates and workflow state."""

    __tablename__ = "dossier"
    __table_args__ = (Index("ix_dossier_unit_status", "unit_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_key: Mapped[str] = mapped_column(String(100), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definition.id"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), nullable=True, index=True
    )
    applicant: Mapped[dict[str, Any]] = mapped_column(JSONType)
    channel: Mapped[int] = mapped_column(SmallInteger)
    return_channel: Mapped[int] = mapped_column(SmallInteger)
    submission: Mapped[dict[str, Any]] = mapped_column(JSONType)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[int] = mapped_column(SmallInteger)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: SpiffWorkflow's JSON, stored compressed (`storage.packed`, migration 0015).
    state: Mapped[str] = mapped_column(PackedText)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The deadline, pinned at acceptance: the limit and supplement policy then in force,
    # and the running clock: counted from `counted_from` with `clock_budget` days (or minutes,
    # for working_hours) left, stopped while `clock_paused_at` is set (status 5).
    sla: Mapped[str | None] = mapped_column(String(60), nullable=True)
    supplement_clock: Mapped[str | None] = mapped_column(String(10), nullable=True)
    counted_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clock_budget: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clock_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The statutory due date; `due_at` is the appointment, which a re-appointment moves.
    original_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Mẫu 04 (at most one): when, by whom, reason, previous and new appointment.
    reappointment: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    overdue_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    timeliness: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: The calendar data version pinned at acceptance (R-0.1); None before acceptance.
    calendar_version: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_version.version"), nullable=True
    )

    __mapper_args__ = {"version_id_col": version}


class CodeSequence(Base):
    """Last dossier number issued by a unit on a local day (YYMMDD)."""

    __tablename__ = "code_sequence"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class WorkItem(Base):
    """One READY user task of a dossier (its id is the task's id in the workflow)."""

    __tablename__ = "work_item"
    __table_args__ = (
        Index("ix_work_item_inbox", "unit_code", "status", "role", "created_at"),
        Index("ix_work_item_dossier", "dossier_id", "status"),
        # the heatmap's percentiles by rank (storage.step_times)
        Index(
            "ix_work_item_step_times",
            "procedure_key",
            "status",
            "bpmn_id",
            "spent_seconds",
            "completed_at",
            "unit_code",
            "timeliness",
            "due_at",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    unit_code: Mapped[str] = mapped_column(String(40))
    procedure_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # storage.statuses.WorkItemStatus
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    claimed_by_username: Mapped[str | None] = mapped_column(String(80), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by_username: Mapped[str | None] = mapped_column(String(80), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(80), nullable=True)
    timeliness: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: How long the task took, opened to closed (wall-clock seconds); set when it closes.
    spent_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class Timer(Base):
    """One BPMN timer of a dossier (its id is the timer task's id in the workflow).

    Rewritten from the workflow whenever the dossier is saved; the scheduler reads only this.
    """

    __tablename__ = "timer"
    __table_args__ = (
        Index("ix_timer_due", "status", "due_at"),
        Index("ix_timer_dossier", "dossier_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # storage.statuses.TimerStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class DossierFile(Base):
    """An uploaded file of a dossier; the content lives in the file store under its SHA-256."""

    __tablename__ = "dossier_file"
    __table_args__ = (
        UniqueConstraint("dossier_id", "sha256"),
        #: "Does any dossier hold this content?", asked before a staged file's bytes are swept.
        Index("ix_dossier_file_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(80))


class StagedUpload(Base):
    """A file an account uploaded on the portal's submission steps before its dossier exists
    (engine/services/staging.py): counted against the account's quota, attached (and the row
    deleted) when the dossier is submitted, or its bytes swept once older than the TTL when
    nothing else holds the same content. One row per account and content."""

    __tablename__ = "staged_upload"
    __table_args__ = (
        UniqueConstraint("user_id", "sha256"),
        Index("ix_staged_upload_sha256", "sha256"),
        Index("ix_staged_upload_staged_at", "staged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    #: The last time the account uploaded this content (a second upload renews it).
    staged_at: Mapped[datetime] = mapped_column(UTCDateTime)
