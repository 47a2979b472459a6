"""Reads: projections only (work items, dossier columns), never a workflow deserialization,
except for a task's detail where the officer needs the data the step sees."""

from __future__ import annotations

import hmac

from engine.applicants import identifier_of
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import NotFoundError
from engine.results import (
    DossierDetail,
    DossierSummary,
    Page,
    ProcedureDetail,
    ProcedureSummary,
    PublicDossierView,
    StatusView,
    StepView,
    TaskDetail,
    TaskSummary,
    UnitDetail,
)
from engine.security.authz import (
    Actor,
    Role,
    ensure_can_list_dossiers,
    ensure_can_read_dossier,
    ensure_can_read_step_of_another_unit,
    ensure_can_read_task,
    ensure_officer,
)
from engine.spiff import runtime
from engine.views import (
    dossier_detail,
    dossier_summary,
    mask_name,
    sla_view,
    task_summary,
)
from storage.statuses import WorkItemStatus
from storage.uow import UnitOfWork
from storage.work import InboxFilter

MAX_PAGE_SIZE = 100


def list_procedures(ctx: EngineContext) -> list[ProcedureSummary]:
    with ctx.uow(write=False) as uow:
        return [
            ProcedureSummary(
                key=d.key,
                name=d.name,
                code=model_of(d).code,
                version=d.version,
                sla=sla_view(model_of(d).sla),
                applicant=model_of(d).applicant_kind,
            )
            for d in uow.definitions.all_latest()
        ]


def get_procedure(ctx: EngineContext, key: str) -> ProcedureDetail:
    with ctx.uow(write=False) as uow:
        definition = uow.definitions.latest(key)
        if definition is None:
            raise NotFoundError(f"no procedure {key}")
        model = model_of(definition)
        return ProcedureDetail(
            key=definition.key,
            name=definition.name,
            code=model.code,
            version=definition.version,
            sla=sla_view(model.sla),
            applicant=model.applicant_kind,
            documentation=model.documentation,
            properties=dict(model.properties),
            submission_form=definition.forms.get(model.submission_form or ""),
            steps=[
                StepView(
                    bpmn_id=n.bpmn_id,
                    name=n.name,
                    role=n.role,
                    form_key=n.form_key,
                    sla=sla_view(n.sla),
                )
                for n in model.user_tasks()
            ],
            deployed_at=definition.deployed_at,
            units=_receiving_units(uow),
        )


def receiving_units(ctx: EngineContext) -> list[UnitDetail]:
    """The units (BHXH offices) that receive dossiers, by code: public."""
    with ctx.uow(write=False) as uow:
        return _receiving_units(uow)


def _receiving_units(uow: UnitOfWork) -> list[UnitDetail]:
    """Every active unit receives every deployed procedure (there is no unit-procedure mapping
    yet); `GET /procedures/{key}` and `GET /units` both read this one rule."""
    return [
        UnitDetail(code=u.code, name=u.name, active=u.active, created_at=u.created_at)
        for u in uow.units.all()
        if u.active
    ]


def get_dossier(ctx: EngineContext, actor: Actor, code: str) -> DossierDetail:
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
        return dossier_detail(uow, dossier)


def list_dossiers(
    ctx: EngineContext, actor: Actor, page: int, page_size: int
) -> Page[DossierSummary]:
    """Citizens see their own dossiers, officers those of their unit, auditors all of them;
    applicants' names are masked (SEC-5)."""
    ensure_can_list_dossiers(actor)
    page, page_size = _bounded(page, page_size)
    offset = (page - 1) * page_size
    with ctx.uow(write=False) as uow:
        if actor.is_officer and actor.unit_code:
            rows, total = uow.dossiers.for_unit(actor.unit_code, offset, page_size)
        elif actor.has(Role.CITIZEN) and actor.user_id is not None:
            rows, total = uow.dossiers.for_owner(actor.user_id, offset, page_size)
        else:
            rows, total = uow.dossiers.every(offset, page_size)
        items = [dossier_summary(d) for d in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def public_lookup(ctx: EngineContext, code: str, id_number: str) -> PublicDossierView:
    """Status by code for anyone who also knows the applicant's ID number (an employer's
    dossier: its tax code, engine.applicants); 404 otherwise, the same whichever was wrong."""
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        expected = identifier_of(dossier.applicant) if dossier is not None else ""
        if (
            dossier is None
            or not expected
            or not hmac.compare_digest(expected.encode(), id_number.strip().encode())
        ):
            raise NotFoundError("no dossier with this code and ID number")
        definition = uow.definitions.get(dossier.definition_id)
        unit = uow.units.get(dossier.unit_code)
        assert definition is not None and unit is not None
        return PublicDossierView(
            code=dossier.code,
            procedure=dossier.procedure_key,
            procedure_name=definition.name,
            unit_code=unit.code,
            unit_name=unit.name,
            status=StatusView.of(dossier.status),
            applicant_name=mask_name(str(dossier.applicant.get("full_name", ""))),
            submitted_at=dossier.submitted_at,
            received_at=dossier.received_at,
            due_at=dossier.due_at,
        )


def inbox(
    ctx: EngineContext,
    actor: Actor,
    *,
    assignee: str | None = None,
    procedure: str | None = None,
    dossier: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[TaskSummary]:
    ensure_officer(actor)
    assert actor.unit_code is not None and actor.user_id is not None
    page, page_size = _bounded(page, page_size)
    flt = InboxFilter(
        unit_code=actor.unit_code,
        roles=frozenset(actor.roles),
        user_id=actor.user_id,
        assignee=assignee,
        procedure_key=procedure,
        dossier_code=dossier,
    )
    with ctx.uow(write=False) as uow:
        rows, total = uow.work_items.inbox(flt, (page - 1) * page_size, page_size)
        items = [task_summary(item, found) for item, found in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def get_task(ctx: EngineContext, actor: Actor, task_id: str) -> TaskDetail:
    with ctx.uow(write=False) as uow:
        item = uow.work_items.get(task_id)
        if item is None:
            raise NotFoundError(f"no task {task_id}")
        ensure_can_read_task(actor, item.role, item.unit_code)
        dossier = uow.dossiers.get(item.dossier_id)
        assert dossier is not None
        ensure_can_read_step_of_another_unit(
            actor, dossier.unit_code, step_open=item.status == WorkItemStatus.OPEN
        )
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        data = dict(dossier.data)
        if item.status == WorkItemStatus.OPEN:
            workflow = runtime.load(ctx.definitions.get(definition), dossier.state)
            data = workflow.task_data(item.id)
        return TaskDetail(
            task=task_summary(item, dossier),
            form_key=item.form_key,
            form_schema=definition.forms.get(item.form_key or ""),
            dossier=dossier_detail(uow, dossier),
            data=data,
        )


def _bounded(page: int, page_size: int) -> tuple[int, int]:
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
