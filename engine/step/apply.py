"""Apply what a workflow step did to the dossier: statuses, dates, work items, events.

Every use case that moves a dossier (submit, complete, supplement, timer) ends here, so the
legal consequences of a status (Mẫu 01 on acceptance, resolution time, closing) live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine import events, outbound
from engine.calendar.working_days import WorkingCalendar
from engine.event_types import EventType, StatusChanged, TaskCancelled, TaskOpened
from engine.form_conventions import DECISION
from engine.procedures.model import ProcedureModel
from engine.records import DocumentSink
from engine.security.authz import Actor
from engine.spiff.runtime import StepOutcome, Workflow
from engine.statuses import FINAL_STATUSES, DossierStatus
from engine.step import deadlines, documents, transfers
from engine.step.timers import TimerStore, record_fired, sync_timers
from storage.audit_models import Event
from storage.models import Dossier, WorkItem
from storage.statuses import WorkItemStatus
from storage.work import WorkItemStore


class StepStore(DocumentSink, Protocol):
    """What a step changes: the unit of work (live), or a replay's scratch copy of the dossier."""

    @property
    def work_items(self) -> WorkItemStore: ...
    @property
    def timers(self) -> TimerStore: ...
    def flush(self) -> None:
        """Make what this step added visible to the next step of the same transaction."""


@dataclass(frozen=True, slots=True)
class Completion:
    """The user task this step completed, to close its work item with who and what."""

    task_id: str
    username: str
    outcome: str | None

    @classmethod
    def of_form(cls, task_id: str, username: str, data: Mapping[str, Any]) -> Completion:
        """The form's `decision` field is the step's outcome."""
        decision = data.get(DECISION)
        return cls(task_id, username, decision if isinstance(decision, str) else None)


def apply_step(
    uow: StepStore,
    *,
    dossier: Dossier,
    model: ProcedureModel,
    workflow: Workflow,
    outcome: StepOutcome,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
    completion: Completion | None = None,
    role: str | None = None,
    open_items: Sequence[WorkItem] | None = None,
) -> list[WorkItem]:
    """Apply one step; return the dossier's open work items after it.

    `role` is the role the actor acted in (a task's role); events record it on every change.
    `open_items` are the dossier's open work items before the step, if the caller has just read
    them (saves reading them again).
    """
    record_fired(uow, dossier, outcome, actor, now)  # first: the rest follows from the firing
    fired = {timer.bpmn_id for timer in outcome.fired_timers}
    for bpmn_id in outcome.entered:
        node = model.node(bpmn_id)
        if node is None:
            continue
        if node.status is not None and node.status != dossier.status:
            old = dossier.status
            changed = change_status(
                uow,
                dossier,
                DossierStatus(node.status),
                actor=actor,
                now=now,
                bpmn_id=bpmn_id,
                role=role,
            )
            deadlines.on_status_change(
                uow,
                dossier,
                model,
                calendar,
                old=old,
                data=outcome.data,
                actor=actor,
                now=now,
                bpmn_id=bpmn_id,
            )
            # after the deadlines: the appointment given at acceptance is part of the news
            outbound.status_changed(
                uow, dossier, changed, procedure_code=model.code, procedure_name=model.name
            )
        deadlines.on_node_entered(uow, dossier, node, actor, now, fired=bpmn_id in fired)
    documents.issue_declared(uow, dossier, model, outcome, actor=actor, now=now)
    still_open = _sync_work_items(
        uow, dossier, model, outcome, now, completion, actor, role, open_items, calendar
    )
    sync_timers(uow, dossier, outcome, actor, now)
    dossier.state = workflow.dumps()
    dossier.data = outcome.data
    dossier.updated_at = now
    return still_open


def change_status(
    uow: StepStore,
    dossier: Dossier,
    new: DossierStatus,
    *,
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
    role: str | None = None,
) -> Event:
    """Set the dossier's status and its dates; return the `status_changed` event. The caller
    tells the outbox (`outbound.status_changed`) once the change's consequences are applied."""
    old = dossier.status
    dossier.status = int(new)
    dossier.status_changed_at = now
    if new == DossierStatus.ACCEPTED and dossier.received_at is None:
        dossier.received_at = now
    if new == DossierStatus.RESOLVED and dossier.resolved_at is None:
        dossier.resolved_at = now
    if new in FINAL_STATUSES:
        dossier.finished_at = now
    return events.record_for_dossier(
        uow,
        dossier,
        type=EventType.STATUS_CHANGED,
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        role=role,
        payload=StatusChanged({"from": old, "to": int(new), "label": new.label}),
    )


def _sync_work_items(
    uow: StepStore,
    dossier: Dossier,
    model: ProcedureModel,
    outcome: StepOutcome,
    now: datetime,
    completion: Completion | None,
    actor: Actor,
    role: str | None,
    known_open: Sequence[WorkItem] | None,
    calendar: WorkingCalendar,
) -> list[WorkItem]:
    """Close work items whose task is no longer READY and open one per new READY task; return
    the open ones, in the order `open_for_dossier` reads them.

    Openings and cancellations are events: who handed the dossier over, to which role and unit,
    when (R-2.6). Completions are recorded by the use case that completed the task.
    """
    if known_open is None:
        known_open = uow.work_items.open_for_dossier(dossier.id)
    open_items = {item.id: item for item in known_open}
    ready_ids = {task.task_id for task in outcome.ready}
    still_open = [item for item in known_open if item.id in ready_ids]
    for item_id, item in open_items.items():
        if item_id in ready_ids:
            continue
        item.completed_at = now
        item.spent_seconds = (now - item.created_at).total_seconds()
        if completion is not None and completion.task_id == item_id:
            item.status = WorkItemStatus.COMPLETED
            item.completed_by_username = completion.username
            item.outcome = completion.outcome
            item.timeliness = deadlines.step_timeliness(calendar, item, now)
        else:
            item.status = WorkItemStatus.CANCELLED
            _record_task_event(uow, EventType.TASK_CANCELLED, item, dossier, actor, role, now)
    for task in outcome.ready:
        if task.task_id in open_items:
            continue
        node = model.node(task.bpmn_id)
        if node is None or node.role is None:  # deploy-time checks make this unreachable
            raise LookupError(f"user task {task.bpmn_id} has no role in the procedure model")
        item = WorkItem(
            id=task.task_id,
            dossier_id=dossier.id,
            unit_code=transfers.receiving_unit(uow.units, dossier, node, task.data),
            procedure_key=dossier.procedure_key,
            bpmn_id=task.bpmn_id,
            name=node.name,
            role=node.role,
            form_key=node.form_key,
            status=WorkItemStatus.OPEN,
            created_at=now,
            due_at=deadlines.step_due(calendar, node, now) or dossier.due_at,
        )
        uow.work_items.add(item)
        still_open.append(item)
        _record_task_event(uow, EventType.TASK_OPENED, item, dossier, actor, role, now)
    return sorted(still_open, key=lambda item: (item.created_at, item.id))


def _record_task_event(
    uow: StepStore,
    type_: EventType,
    item: WorkItem,
    dossier: Dossier,
    actor: Actor,
    role: str | None,
    now: datetime,
) -> None:
    payload: TaskOpened | TaskCancelled
    if type_ == EventType.TASK_OPENED:
        payload = TaskOpened(
            task_id=item.id,
            name=item.name,
            role=item.role,
            unit=item.unit_code,
            form=item.form_key,
            due_at=events.format_time(item.due_at) if item.due_at else None,
        )
    else:
        payload = TaskCancelled(task_id=item.id)
    events.record_for_dossier(
        uow,
        dossier,
        type=type_,
        actor=actor,
        now=now,
        bpmn_id=item.bpmn_id,
        role=role,
        payload=payload,
    )
