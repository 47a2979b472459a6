"""The tables (docs/architecture.md section 2): column meaning here, behaviour in engine/."""

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

from storage.packed import CompactJSON, HexDigest, PackedText
from storage.types import BigIntPK, CompressedBytes, JSONType, UTCDateTime

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


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONType)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Raised by every deactivation, password change, role or unit change; each token carries
    #: the value it was issued under and stops working once the two differ (never again equal).
    credentials_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Who last set the password (an administrator's username, `cli:<login>`; the account's
    #: own name when they changed it themselves); NULL when set before migration 0012. A role
    #: needing a second administrator is never approved by this one (issue 12, C11).
    password_set_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class RoleGrant(Base):
    """A request to give an account a role that reads personal data across units (auditor):
    asked by one administrator, decided by another (never the grantee)."""

    __tablename__ = "role_grant"
    __table_args__ = (Index("ix_role_grant_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # storage.statuses.RoleGrantStatus
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


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


class CalendarOverride(Base):
    """A day whose working status an administrator decided (swapped Saturday, extra day off)."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # workday | day_off
    note: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))


class CalendarVersion(Base):
    """One registered version of the calendar data (year files, estimates, office hours).

    Immutable (the database refuses UPDATE and DELETE): a dossier pins the version in force when
    it was accepted and every later computation of its dates uses it (R-0.1).
    """

    __tablename__ = "calendar_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Loaded only when a process has not parsed this content yet (it is ~160 KB).
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, deferred=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(80))


class Document(Base):
    """A document of record issued for a dossier (a form of Circular 03/2025, e.g. Mẫu 01).

    Immutable once issued (the database refuses UPDATE and DELETE): a later decision issues a
    new document. `data` is the document's content as issued, which its event also records.
    """

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_dossier", "dossier_id", "form"),
        Index("ux_document_number", "unit_code", "template", "year", "sequence", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    form: Mapped[str] = mapped_column(String(10))  # "01", "04": the form's number
    title: Mapped[str] = mapped_column(String(200))
    #: The form set the form belongs to, e.g. "Thông tư 03/2025/TT-VPCP".
    form_set: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(80))
    unit_code: Mapped[str] = mapped_column(String(40))
    #: Compact JSON text on PostgreSQL, like `snapshot` (`storage.packed.CompactJSON`, 0017).
    data: Mapped[dict[str, Any]] = mapped_column(CompactJSON)
    # Issued as a signed PDF (migration 0009; None on documents issued before it):
    #: The template of engine/documents, e.g. "mau_01", "thong_bao".
    template: Mapped[str | None] = mapped_column(String(20), default=None)
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The unit's number for this template in `year` (document_sequence).
    sequence: Mapped[int | None] = mapped_column(Integer, default=None)
    #: As printed after "Số:", e.g. "125/TNHS-BHXHBĐ".
    number: Mapped[str | None] = mapped_column(String(60), default=None)
    #: The data the PDF was rendered from, exactly (engine.issuing.data).
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(CompactJSON, default=None)
    #: SHA-256 of `pdf`, as the `document_issued` event records it.
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The signed PDF, stored compressed (`CompressedBytes`, XZ).
    pdf: Mapped[bytes | None] = mapped_column(CompressedBytes, default=None, deferred=True)
    #: The document this one corrects (a correction is a new document).
    corrects: Mapped[int | None] = mapped_column(Integer, default=None)


class DocumentSequence(Base):
    """Last number a unit gave a form (template) in a year."""

    __tablename__ = "document_sequence"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    form: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


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


class LoginThrottle(Base):
    """Failed-login bookkeeping per username (known or not), shared by every worker.

    `attempts` counts password checks reserved since the last lock; `lock_level` how many locks
    in a row (each doubles the next); `locked_until` refuses every attempt before it.
    """

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    lock_level: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountToken(Base):
    """A single-use link sent to an account's e-mail or phone (confirm the account, reset its
    password): only the SHA-256 of the token is stored, so the table opens no account."""

    __tablename__ = "account_token"
    __table_args__ = (Index("ix_account_token_user", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: confirm | reset
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


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
