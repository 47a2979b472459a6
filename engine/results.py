"""Frozen results handed to callers (HTTP, CLI): no ORM rows, no SpiffWorkflow objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from engine.errors import DefinitionProblem
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
    units: list[UnitView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CurrentStep:
    task_id: str
    bpmn_id: str
    name: str
    role: str
    claimed_by: str | None
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReappointmentView:
    """Mẫu 04: the apology and new appointment, signed by the leader."""

    at: datetime
    by: str
    reason: str
    apology: str | None
    previous_due_at: datetime
    new_due_at: datetime


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


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """Mẫu 01, Giấy tiếp nhận hồ sơ và hẹn trả kết quả, as issued at acceptance."""

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
    original_due_at: datetime | None
    channel: str
    return_channel: str


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
class UserView:
    id: int
    username: str
    full_name: str
    roles: list[str]
    unit_code: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class UnitView:
    code: str
    name: str


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
class UnitDetail:
    code: str
    name: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FileView:
    """A file uploaded to a dossier; `sha256` names its content, which never changes."""

    sha256: str
    name: str
    size: int
    content_type: str
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True, slots=True)
class FileContent:
    file: FileView
    content: bytes


@dataclass(frozen=True, slots=True)
class CalendarDayView:
    day: date
    working: bool
    reason: str
    overridden: bool


@dataclass(frozen=True, slots=True)
class CalendarYearView:
    year: int
    office_hours: list[str]
    days: list[CalendarDayView]


@dataclass(frozen=True, slots=True)
class OverrideView:
    day: date
    kind: str
    note: str
    updated_by: str
