"""Every audit event type, and the payload each one carries (docs/audit.md).

An event is written by one module and read by others (replay, the timeline, records, the
consistency check, bundles): the type names and payload keys here are the contract between
them. Writers build the payload through its TypedDict; readers `cast` `event.payload` to it.
Payloads are stored as canonical JSON and hashed, so a key renamed here breaks the chains of
events already written: add keys, never rename them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NotRequired, TypedDict


class EventType(StrEnum):
    # -- a dossier's chain: the causes of its steps (replay redoes them) ----------------------
    DOSSIER_SUBMITTED = "dossier_submitted"
    TASK_COMPLETED = "task_completed"
    SUPPLEMENT_SUBMITTED = "supplement_submitted"
    TIMER_FIRED = "timer_fired"
    DOSSIER_MIGRATED = "dossier_migrated"
    REAPPOINTED = "reappointed"
    DOSSIER_WITHDRAWN = "dossier_withdrawn"
    HANDLING_STOPPED = "handling_stopped"
    DOCUMENT_CORRECTED = "document_corrected"
    # -- a dossier's chain: what the steps record themselves (replay re-derives them) ---------
    STATUS_CHANGED = "status_changed"
    TASK_OPENED = "task_opened"
    TASK_CANCELLED = "task_cancelled"
    TIMER_ARMED = "timer_armed"
    DEADLINE_SET = "deadline_set"
    CLOCK_PAUSED = "clock_paused"
    DEADLINE_RECOMPUTED = "deadline_recomputed"
    OVERDUE_WARNING = "overdue_warning"
    DOCUMENT_ISSUED = "document_issued"
    # -- a dossier's chain: acts that change no step ------------------------------------------
    TASK_CLAIMED = "task_claimed"
    TASK_RELEASED = "task_released"
    TASK_ASSIGNED = "task_assigned"
    TIMER_FAILED = "timer_failed"
    TIMER_RESUMED = "timer_resumed"
    OUTBOX_RETRIED = "outbox_retried"
    FILE_UPLOADED = "file_uploaded"
    DOSSIER_READ = "dossier_read"
    SATISFACTION_RATED = "satisfaction_rated"
    # -- the system chain ----------------------------------------------------------------------
    DEFINITION_DEPLOYED = "definition_deployed"
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    USER_ACTIVATED = "user_activated"
    USER_DEACTIVATED = "user_deactivated"
    LOGIN_UNLOCKED = "login_unlocked"
    LOGIN_LOCKED = "login_locked"
    LOGIN_FAILED = "login_failed"
    LOGIN_SUCCEEDED = "login_succeeded"
    WEBHOOK_REGISTERED = "webhook_registered"
    WEBHOOK_DISABLED = "webhook_disabled"
    WEBHOOK_DELETED = "webhook_deleted"
    UNIT_CREATED = "unit_created"
    UNIT_RENAMED = "unit_renamed"
    ROLE_GRANT_REQUESTED = "role_grant_requested"
    ROLE_GRANT_APPROVED = "role_grant_approved"
    ROLE_GRANT_REJECTED = "role_grant_rejected"
    CALENDAR_VERSION_REGISTERED = "calendar_version_registered"
    CALENDAR_OVERRIDE_SET = "calendar_override_set"
    CALENDAR_OVERRIDE_REMOVED = "calendar_override_removed"
    AUDIT_VERIFIED = "audit_verified"
    TRACKING_BOOK_READ = "tracking_book_read"
    REPORT_READ = "report_read"


#: The system chain's calendar events, which replay reads to know the calendar of each step.
CALENDAR_EVENTS = frozenset(
    {
        EventType.CALENDAR_VERSION_REGISTERED,
        EventType.CALENDAR_OVERRIDE_SET,
        EventType.CALENDAR_OVERRIDE_REMOVED,
    }
)


# -- a dossier's chain ---------------------------------------------------------------------------
class DossierSubmitted(TypedDict):
    procedure: str
    definition_version: int
    definition_hash: str
    unit: str
    applicant: dict[str, Any]
    data: dict[str, Any]
    channel: str
    return_channel: str
    owner_user_id: int | None


class OnBehalfOf(TypedDict):
    """Who reception handed a supplement in for (R-2.8)."""

    full_name: Any
    id_number: Any
    channel: str
    tax_code: NotRequired[Any]  # an employer's (engine.applicants); a person has an id_number


class TaskCompleted(TypedDict):
    task_id: str
    form: str | None
    data: dict[str, Any]


class SupplementSubmitted(TypedDict):
    data: dict[str, Any]
    on_behalf_of: NotRequired[OnBehalfOf]


class DossierWithdrawn(TypedDict):
    """Status 7 (R-2.9): the applicant withdrew the dossier before its result, and why; when
    reception acted for an applicant without an account (R-2.8), for whom."""

    reason: str
    on_behalf_of: NotRequired[OnBehalfOf]


class HandlingStopped(TypedDict):
    """Status 8 (R-2.9): a leader stopped the handling, with the legal reason Mẫu 05 gives."""

    reason: str
    legal_basis: list[str]


class TimerFired(TypedDict):
    due_at: str
    fired_at: str


class VersionRef(TypedDict):
    version: int
    hash: str


class VersionChanges(TypedDict):
    added: list[str]
    removed: list[str]
    changed: list[str]


# `from` is a keyword: the functional form is the only way to name the key.
_FromVersion = TypedDict("_FromVersion", {"from": VersionRef})


class DossierMigrated(_FromVersion):
    """From which version to which, and what the move changed."""

    to: VersionRef
    reset_mask: str
    timers: Any
    open_steps: list[str]
    changes: VersionChanges


class Reappointed(TypedDict):
    """Mẫu 04 (R-2.5): the dossier's one new appointment."""

    at: str
    by: str
    reason: str
    apology: Any
    previous_due_at: str
    new_due_at: str
    latest_issue_day: str
    issued_late: bool


_StatusChangedFrom = TypedDict("_StatusChangedFrom", {"from": int})


class StatusChanged(_StatusChangedFrom):
    to: int
    label: str


class TaskOpened(TypedDict):
    task_id: str
    name: str
    role: str
    unit: str
    form: str | None
    due_at: str | None


class TaskCancelled(TypedDict):
    task_id: str


class TimerArmed(TypedDict):
    due_at: str


class DeadlineSet(TypedDict):
    sla: str | None
    supplement_clock: str
    received_at: str | None
    counted_from: str | None
    due_at: str | None
    calendar_version: int | None
    calendar_hash: str | None


class ClockPaused(TypedDict):
    paused_at: str | None
    #: "financial_obligation" when the dossier waits for a fee (status 6); absent: a supplement.
    waiting_for: NotRequired[str]


class DeadlineRecomputed(TypedDict):
    supplement_clock: str | None
    paused_at: str | None
    resumed_at: str | None
    counted_from: str | None
    budget: int
    previous_due_at: str | None
    due_at: str | None
    original_due_at: str | None
    #: "financial_obligation" after a fee was paid (status 6); absent: after a supplement.
    waited_for: NotRequired[str]


class OverdueWarning(TypedDict):
    due_at: str | None
    original_due_at: str | None


class DocumentIssued(TypedDict):
    form: str
    title: str
    form_set: str
    unit: str
    data: dict[str, Any]
    #: A signed PDF's identity (absent for documents issued before documents were signed):
    #: what `audit verify` and `motcua documents verify --chain` check.
    template: NotRequired[str]
    number: NotRequired[str]
    sequence: NotRequired[int]
    year: NotRequired[int]
    sha256: NotRequired[str]
    #: A correction: the number of the document it replaces (which stays as issued).
    corrects: NotRequired[str]


class DocumentCorrected(TypedDict):
    """An officer corrects an issued document: the cause of the correction's `document_issued`."""

    #: The document corrected, as printed: its template and number.
    template: str
    number: str
    reason: str
    #: The form's fields that change, with their corrected values (the rest are kept).
    fields: dict[str, Any]


class TaskClaimed(TypedDict):
    task_id: str


class TaskReleased(TypedDict):
    task_id: str
    #: Set when someone other than the holder released the claim (a supervisor, an account
    #: change): from whom, and why.
    released_from: NotRequired[str | None]
    reason: NotRequired[str]


class TaskAssigned(TypedDict):
    task_id: str
    officer: str
    officer_id: int
    previous: str | None
    reason: str


class TimerParked(TypedDict):
    """`timer_failed` and `timer_resumed`: the timer's due time and why it was parked."""

    due_at: str
    error: str | None


class OutboxRetried(TypedDict):
    """`outbox_retried`: an administrator sent a parked message to another system again."""

    destination: str
    key: str
    error: str | None


class FileUploaded(TypedDict):
    sha256: str
    name: str
    size: int
    content_type: str


#: R-2.7: the criteria an applicant rates once each, and the levels.
SATISFACTION_CRITERIA = ("overall", "convenience", "timeliness", "staff_attitude")
SATISFACTION_LEVELS = ("very_satisfied", "satisfied", "not_satisfied")


class SatisfactionRated(TypedDict):
    """R-2.7: the applicant's rating after the result was returned, criterion -> level (some
    criteria, each rated once over the dossier's life); for a dossier without an applicant
    account, reception recorded it for them (R-2.8)."""

    ratings: dict[str, str]
    comment: NotRequired[str]
    on_behalf_of: NotRequired[OnBehalfOf]


class ReadDetails(TypedDict, total=False):
    """What of a dossier was read, besides which view (`what`)."""

    task_id: str
    sha256: str
    until: int | None
    page: int
    #: A document of record read (issue 14), and whether as its printable HTML view.
    document_id: int
    html: bool


class DossierRead(ReadDetails):
    """Who read what of a dossier (R-6): `what` always; the rest depends on what was read."""

    what: str
