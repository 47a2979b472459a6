"""Frozen results handed to callers (HTTP, CLI): no ORM rows, no SpiffWorkflow objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from engine.errors import DefinitionProblem
from engine.procedures.checks import UNKNOWN_CODE
from engine.statuses import DossierStatus

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StatusView:
    code: int
    label: str
    label_en: str

    @classmethod
    def of(cls, code: int) -> StatusView:
        status = DossierStatus(code)
        return cls(code=int(status), label=status.label, label_en=status.label_en)


@dataclass(frozen=True, slots=True)
class SlaView:
    amount: int
    unit: str
    text: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class ProcedureSummary:
    key: str
    name: str
    code: str | None
    version: int
    sla: SlaView | None
    applicant: str = "person"  # who submits: person or employer (engine.applicants)

    @property
    def code_label(self) -> str:
        """The national code as shown; an unknown one says so, never a made-up code."""
        return self.code or UNKNOWN_CODE


@dataclass(frozen=True, slots=True)
class StepView:
    bpmn_id: str
    name: str
    role: str | None
    form_key: str | None
    sla: SlaView | None


@dataclass(frozen=True, slots=True)
class ProcedureDetail:
    key: str
    name: str
    code: str | None
    version: int
    sla: SlaView | None
    documentation: str
    properties: dict[str, str]
    submission_form: dict[str, Any] | None
    steps: list[StepView]
    deployed_at: datetime
    units: list[UnitDetail] = field(default_factory=list)
    applicant: str = "person"  # who submits: person or employer (engine.applicants)

    @property
    def code_label(self) -> str:
        return self.code or UNKNOWN_CODE


@dataclass(frozen=True, slots=True)
class CurrentStep:
    task_id: str
    bpmn_id: str
    name: str
    role: str
    claimed_by: str | None
    created_at: datetime
    due_at: datetime | None
    #: The unit that takes the step (the dossier's own, or the one it was transferred to).
    unit_code: str | None = None


@dataclass(frozen=True, slots=True)
class ReappointmentView:
    """Mẫu 04: the apology and new appointment, signed by the leader."""

    at: datetime
    by: str
    reason: str
    apology: str | None
    previous_due_at: datetime
    new_due_at: datetime
    #: The latest day the letter was due (the working day before the appointment) and whether it
    #: was issued after it (still issued: the applicant is owed it).
    latest_issue_day: date | None = None
    issued_late: bool = False


@dataclass(frozen=True, slots=True)
class NoticeField:
    field: str
    title: str
    value: Any


@dataclass(frozen=True, slots=True)
class NoticeView:
    """What one completed step told the applicant (its form's applicant-visible fields)."""

    step: str
    name: str
    at: datetime
    fields: list[NoticeField]


@dataclass(frozen=True, slots=True)
class DossierDetail:
    code: str
    procedure: str
    procedure_name: str
    definition_version: int
    unit_code: str
    unit_name: str
    status: StatusView
    channel: str
    return_channel: str
    applicant: dict[str, Any]
    submission: dict[str, Any]
    submitted_at: datetime
    status_changed_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None
    finished_at: datetime | None
    current_steps: list[CurrentStep]
    version: int
    sla: str | None = None
    original_due_at: datetime | None = None
    clock_paused_at: datetime | None = None
    timeliness: str | None = None
    overdue_warned_at: datetime | None = None
    reappointment: ReappointmentView | None = None
    calendar_version: int | None = None
    notices: list[NoticeView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DossierSummary:
    code: str
    procedure: str
    unit_code: str
    status: StatusView
    applicant_name: str
    submitted_at: datetime
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class PublicDossierView:
    code: str
    procedure: str
    procedure_name: str
    unit_code: str
    unit_name: str
    status: StatusView
    applicant_name: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class TaskSummary:
    id: str
    dossier_code: str
    procedure: str
    bpmn_id: str
    name: str
    role: str
    claimed_by: str | None
    created_at: datetime
    due_at: datetime | None
    status: str
    completed_at: datetime | None = None
    timeliness: str | None = None
    dossier_due_at: datetime | None = None
    dossier_overdue_warned_at: datetime | None = None
    #: The unit that takes the step: the dossier's own, or the one it was transferred to.
    unit_code: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document of record as issued: its form (number, title, form set), who issued it, when,
    for which unit, and its content then (`data`), which never changes."""

    form: str
    title: str
    form_set: str
    issued_at: datetime
    issued_by: str
    unit_code: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """Mẫu 01, Giấy tiếp nhận hồ sơ và hẹn trả kết quả, as issued at acceptance: a re-appointment
    issues Mẫu 04 and leaves this as it was."""

    form: str
    title: str
    form_set: str
    issued_at: datetime
    code: str
    procedure: str
    procedure_code: str | None
    procedure_name: str
    unit_code: str
    unit_name: str
    applicant: dict[str, Any]
    documents_received: list[dict[str, Any]]
    received_at: datetime
    received_by: str
    sla: str | None
    appointment_at: datetime | None
    channel: str
    return_channel: str
    calendar_version: int | None


@dataclass(frozen=True, slots=True)
class TaskDetail:
    task: TaskSummary
    form_key: str | None
    form_schema: dict[str, Any] | None
    dossier: DossierDetail
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CompletionResult:
    task_id: str
    dossier_code: str
    status: StatusView
    current_steps: list[CurrentStep]


@dataclass(frozen=True, slots=True)
class DeployResult:
    key: str
    version: int
    hash: str
    created: bool
    warnings: list[DefinitionProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TokenResult:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


@dataclass(frozen=True, slots=True)
class UserDetail:
    """An account as administrators see it, with its login lock."""

    id: int
    username: str
    full_name: str
    roles: list[str]
    unit_code: str | None
    active: bool
    is_demo: bool
    created_at: datetime
    deactivated_at: datetime | None
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class RoleGrantView:
    """A request to give an account a role that reads personal data across units."""

    id: int
    username: str
    role: str
    reason: str
    status: str  # pending | approved | rejected
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class UnitDetail:
    code: str
    name: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OfficialNoticeView:
    """An official notice that announced calendar days (number, date, issuer, subject)."""

    number: str
    date: date
    issuer: str
    subject: str


@dataclass(frozen=True, slots=True)
class CalendarDayView:
    day: date
    working: bool
    reason: str
    overridden: bool
    #: announced (a data file of an announced year), estimated, or override
    source: str = "estimated"
    #: the data file or package (vn/2026.json, holidays 0.109), or who set the override
    origin: str = ""
    basis: str = ""
    notice: OfficialNoticeView | None = None


@dataclass(frozen=True, slots=True)
class CalendarVersionView:
    version: int
    content_hash: str
    registered_at: datetime
    registered_by: str


@dataclass(frozen=True, slots=True)
class CalendarYearView:
    year: int
    office_hours: list[str]
    days: list[CalendarDayView]
    #: announced or estimated, from which data file or package, and the notices that announced it
    status: str = "estimated"
    origin: str = ""
    notices: list[OfficialNoticeView] = field(default_factory=list)
    #: the registered calendar data shown; None if none is registered yet (the repository's)
    calendar_version: CalendarVersionView | None = None


@dataclass(frozen=True, slots=True)
class OverrideView:
    day: date
    kind: str
    note: str
    updated_by: str
