"""What an officer's task page shows (issue 16): the task with the data its step sees and its
form, the dossier's files and issued documents, the steps so far, and the diagram with its
completed and current elements. One read, logged once (`reads.log_read`, what="task")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.context import EngineContext
from engine.errors import NotFoundError
from engine.file_results import FileView
from engine.queries.dossiers import get_task
from engine.results import TaskDetail
from engine.security.authz import Actor, ensure_can_view_progress
from engine.services.reads import log_read
from engine.spiff import diagram, runtime


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One user task of the dossier, open or done, in the order they opened."""

    name: str
    role: str
    opened_at: datetime
    due_at: datetime | None
    claimed_by: str | None
    completed_at: datetime | None
    completed_by: str | None
    outcome: str | None
    status: str
    timeliness: str | None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document of record issued for the dossier (the workspace links to its PDF)."""

    id: int
    form: str
    title: str
    number: str | None
    issued_at: datetime
    issued_by: str
    has_pdf: bool


@dataclass(frozen=True, slots=True)
class TaskPageView:
    detail: TaskDetail
    files: list[FileView]
    documents: list[DocumentRecord]
    steps: list[StepRecord]
    #: bpmn id -> "completed" | "current" | "waiting" (engine.spiff.diagram.step_states).
    step_states: dict[str, str]


def task_page(ctx: EngineContext, actor: Actor, task_id: str) -> TaskPageView:
    """Everything the task page shows; the rules of `GET /tasks/{id}` (officers of the task's
    role in its unit, leaders of its unit, auditors), the read logged."""
    detail = get_task(ctx, actor, task_id)
    code = detail.task.dossier_code
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        files = [
            FileView(
                sha256=f.sha256,
                name=f.name,
                size=f.size,
                content_type=f.content_type,
                uploaded_at=f.uploaded_at,
                uploaded_by=f.uploaded_by,
            )
            for f in uow.files.for_dossier(dossier.id)
        ]
        documents = [
            DocumentRecord(
                id=d.id,
                form=d.form,
                title=d.title,
                number=d.number,
                issued_at=d.issued_at,
                issued_by=d.issued_by,
                has_pdf=d.sha256 is not None,
            )
            for d in uow.documents.for_dossier(dossier.id)
        ]
        steps = [
            StepRecord(
                name=i.name,
                role=i.role,
                opened_at=i.created_at,
                due_at=i.due_at,
                claimed_by=i.claimed_by_username,
                completed_at=i.completed_at,
                completed_by=i.completed_by_username,
                outcome=i.outcome,
                status=i.status,
                timeliness=i.timeliness,
            )
            for i in uow.work_items.history_for_dossier(dossier.id)
        ]
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        states = diagram.step_states(runtime.load(ctx.definitions.get(definition), dossier.state))
    log_read(ctx, actor, code, "task", task_id=task_id)
    return TaskPageView(detail, files, documents, steps, states)


def dossier_diagram(ctx: EngineContext, actor: Actor, code: str) -> str:
    """The BPMN XML of the version the dossier runs on (the browser's viewer draws it; the
    states come with the page). Same rule as the dossier's SVG: officers of its unit,
    auditors, administrators."""
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        ensure_can_view_progress(actor, dossier.unit_code)
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        parsed = ctx.definitions.get(definition)
        return definition.sources[parsed.main_file]
