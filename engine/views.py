"""Build result objects from rows (shared by use cases and queries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from engine.definitions.cache import model_of
from engine.event_types import EventType
from engine.notices import applicant_notices
from engine.procedures.model import Sla
from engine.records import CHANNEL_NAMES as CHANNEL_NAMES  # shared with the documents
from engine.results import (
    CurrentStep,
    DossierDetail,
    DossierSummary,
    ReappointmentView,
    SlaView,
    StatusView,
    TaskSummary,
)
from storage.audit import EventRow
from storage.models import Definition, Dossier, Unit, WorkItem
from storage.work import WorkItemStore

CHANNEL_CODES = {name: code for code, name in CHANNEL_NAMES.items()}


class _DefinitionLookup(Protocol):
    def get(self, definition_id: int) -> Definition | None: ...


class _UnitLookup(Protocol):
    def get(self, code: str) -> Unit | None: ...


class _CompletionLog(Protocol):
    def dossier_events(self, dossier_id: int, event_type: str) -> Sequence[EventRow]: ...


class DossierSource(Protocol):
    """Where a dossier's detail is read from: the unit of work, or a replay's scratch copy."""

    @property
    def definitions(self) -> _DefinitionLookup: ...
    @property
    def units(self) -> _UnitLookup: ...
    @property
    def work_items(self) -> WorkItemStore: ...
    @property
    def audit(self) -> _CompletionLog: ...


def sla_view(sla: Sla | None) -> SlaView | None:
    return SlaView(amount=sla.amount, unit=sla.unit, text=sla.text) if sla else None


def current_step(item: WorkItem) -> CurrentStep:
    return CurrentStep(
        task_id=item.id,
        bpmn_id=item.bpmn_id,
        name=item.name,
        role=item.role,
        claimed_by=item.claimed_by_username,
        created_at=item.created_at,
        due_at=item.due_at,
        unit_code=item.unit_code,
    )


def task_summary(item: WorkItem, dossier: Dossier) -> TaskSummary:
    return TaskSummary(
        id=item.id,
        dossier_code=dossier.code,
        procedure=item.procedure_key,
        bpmn_id=item.bpmn_id,
        name=item.name,
        role=item.role,
        claimed_by=item.claimed_by_username,
        created_at=item.created_at,
        due_at=item.due_at,
        status=item.status,
        completed_at=item.completed_at,
        timeliness=item.timeliness,
        dossier_due_at=dossier.due_at,
        dossier_overdue_warned_at=dossier.overdue_warned_at,
        unit_code=item.unit_code,
    )


def dossier_summary(d: Dossier) -> DossierSummary:
    """A dossier's row in a list: the applicant's name masked."""
    return DossierSummary(
        code=d.code,
        procedure=d.procedure_key,
        unit_code=d.unit_code,
        status=StatusView.of(d.status),
        applicant_name=mask_name(str(d.applicant.get("full_name", ""))),
        submitted_at=d.submitted_at,
        due_at=d.due_at,
    )


def dossier_detail(
    uow: DossierSource, dossier: Dossier, open_items: Sequence[WorkItem] | None = None
) -> DossierDetail:
    """`open_items`: the dossier's open work items, if the caller has them at hand."""
    if open_items is None:
        open_items = uow.work_items.open_for_dossier(dossier.id)
    definition = uow.definitions.get(dossier.definition_id)
    unit = uow.units.get(dossier.unit_code)
    assert definition is not None and unit is not None  # foreign keys guarantee both
    return DossierDetail(
        code=dossier.code,
        procedure=dossier.procedure_key,
        procedure_name=definition.name,
        definition_version=definition.version,
        unit_code=unit.code,
        unit_name=unit.name,
        status=StatusView.of(dossier.status),
        channel=CHANNEL_NAMES[dossier.channel],
        return_channel=CHANNEL_NAMES[dossier.return_channel],
        applicant=dict(dossier.applicant),
        submission=dict(dossier.submission),
        submitted_at=dossier.submitted_at,
        status_changed_at=dossier.status_changed_at,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        resolved_at=dossier.resolved_at,
        finished_at=dossier.finished_at,
        current_steps=[current_step(item) for item in open_items],
        version=dossier.version,
        sla=dossier.sla,
        original_due_at=dossier.original_due_at,
        clock_paused_at=dossier.clock_paused_at,
        timeliness=dossier.timeliness,
        overdue_warned_at=dossier.overdue_warned_at,
        reappointment=reappointment_view(dossier),
        calendar_version=dossier.calendar_version,
        notices=applicant_notices(
            uow.audit.dossier_events(dossier.id, EventType.TASK_COMPLETED),
            definition.forms,
            model_of(definition),
            dossier.resolved_at,
        ),
    )


def reappointment_view(dossier: Dossier) -> ReappointmentView | None:
    found = dossier.reappointment
    if found is None:
        return None
    return ReappointmentView(
        at=datetime.fromisoformat(found["at"]),
        by=found["by"],
        reason=found["reason"],
        apology=found.get("apology"),
        previous_due_at=datetime.fromisoformat(found["previous_due_at"]),
        new_due_at=datetime.fromisoformat(found["new_due_at"]),
        latest_issue_day=date.fromisoformat(found["latest_issue_day"])
        if found.get("latest_issue_day")
        else None,
        issued_late=bool(found.get("issued_late")),
    )


def mask_name(full_name: str) -> str:
    """`Nguyễn Văn An` -> `N***** V** A*`: enough for the applicant to recognise, nothing more."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in full_name.split() if word)
