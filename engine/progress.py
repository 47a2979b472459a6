"""Apply what a workflow step did to the dossier: statuses, dates, work items, events.

Every use case that moves a dossier (submit, complete, supplement, timer) ends here, so the
legal consequences of a status (Mẫu 01 on acceptance, resolution time, closing) live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine import deadlines, events
from engine.authz import SYSTEM_ACTOR, Actor
from engine.calendar import WorkingCalendar
from engine.procedures import ProcedureModel
from engine.spiff.runtime import StepOutcome, Workflow
from engine.statuses import FINAL_STATUSES, DossierStatus
from engine.timers import sync_timers
from storage.models import Dossier, WorkItem
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Completion:
    """The user task this step completed, to close its work item with who and what."""

    task_id: str
    username: str
    outcome: str | None


def apply_step(
    uow: UnitOfWork,
    *,
    dossier: Dossier,
    model: ProcedureModel,
    workflow: Workflow,
    outcome: StepOutcome,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
    completion: Completion | None = None,
) -> None:
    for bpmn_id in outcome.entered:
        node = model.node(bpmn_id)
        if node is None:
            continue
        if node.status is not None and node.status != dossier.status:
            old = dossier.status
            change_status(
                uow, dossier, DossierStatus(node.status), actor=actor, now=now, bpmn_id=bpmn_id
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
        deadlines.on_node_entered(uow, dossier, node, actor, now)
    _sync_work_items(uow, dossier, model, outcome, now, completion, calendar)
    sync_timers(uow, dossier, outcome, actor, now)
    dossier.state = workflow.dumps()
    dossier.data = outcome.data
    dossier.updated_at = now


def fire_due_timers(
    uow: UnitOfWork,
    *,
    dossier: Dossier,
    model: ProcedureModel,
    workflow: Workflow,
    calendar: WorkingCalendar,
    now: datetime,
) -> StepOutcome:
    """Fire the dossier's timers due by `now` before anything else happens to it (P3/P4): a
    completion that comes after an interrupting timer's due time finds its task gone (409)."""
    outcome = workflow.fire_due_timers()
    if outcome.fired_timers:
        apply_step(
            uow,
            dossier=dossier,
            model=model,
            workflow=workflow,
            outcome=outcome,
            actor=SYSTEM_ACTOR,
            now=now,
            calendar=calendar,
        )
        uow.flush()  # the next step of this transaction must see these rows
    return outcome


def change_status(
    uow: UnitOfWork,
    dossier: Dossier,
    new: DossierStatus,
    *,
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    old = dossier.status
    dossier.status = int(new)
    dossier.status_changed_at = now
    if new == DossierStatus.ACCEPTED and dossier.received_at is None:
        dossier.received_at = now
    if new == DossierStatus.RESOLVED and dossier.resolved_at is None:
        dossier.resolved_at = now
    if new in FINAL_STATUSES:
        dossier.finished_at = now
    events.record(
        uow,
        chain=events.dossier_chain(dossier.code),
        type="status_changed",
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        dossier_id=dossier.id,
        payload={"from": old, "to": int(new), "label": new.label},
    )


def _sync_work_items(
    uow: UnitOfWork,
    dossier: Dossier,
    model: ProcedureModel,
    outcome: StepOutcome,
    now: datetime,
    completion: Completion | None,
    calendar: WorkingCalendar,
) -> None:
    open_items = {item.id: item for item in uow.work_items.open_for_dossier(dossier.id)}
    ready_ids = {task.task_id for task in outcome.ready}
    for item_id, item in open_items.items():
        if item_id in ready_ids:
            continue
        item.completed_at = now
        if completion is not None and completion.task_id == item_id:
            item.status = "completed"
            item.completed_by_username = completion.username
            item.outcome = completion.outcome
            item.timeliness = deadlines.step_timeliness(calendar, item, now)
        else:
            item.status = "cancelled"
    for task in outcome.ready:
        if task.task_id in open_items:
            continue
        node = model.node(task.bpmn_id)
        if node is None or node.role is None:  # deploy-time checks make this unreachable
            raise LookupError(f"user task {task.bpmn_id} has no role in the procedure model")
        uow.work_items.add(
            WorkItem(
                id=task.task_id,
                dossier_id=dossier.id,
                unit_code=dossier.unit_code,
                procedure_key=dossier.procedure_key,
                bpmn_id=task.bpmn_id,
                name=node.name,
                role=node.role,
                form_key=node.form_key,
                status="open",
                created_at=now,
                due_at=deadlines.step_due(calendar, node, now) or dossier.due_at,
            )
        )
