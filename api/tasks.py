"""Officers' task inbox and the claim / release / complete actions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, Schema, page_schema
from api.context import actor, engine
from api.schemas import CurrentStepSchema, DossierSchema, PageQuery, StatusSchema, TaskSchema
from engine.queries import dossiers as queries
from engine.results import CompletionResult, TaskDetail, TaskSummary
from engine.services import reads, tasks

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Officers' user tasks")


class InboxQuery(PageQuery):
    assignee = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["me", "none"]))
    procedure = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))
    dossier = ma.fields.String(load_default=None, validate=ma.validate.Length(max=60))


TaskListSchema = page_schema(TaskSchema, "TaskListSchema")


class TaskDetailSchema(TaskSchema):
    form_key = ma.fields.String(allow_none=True)
    form_schema = ma.fields.Dict(allow_none=True, metadata={"description": "JSON Schema of `data`"})
    dossier = ma.fields.Nested(DossierSchema, required=True)
    data = ma.fields.Dict(
        required=True, metadata={"description": "the dossier data this step sees"}
    )


class CompleteBody(Schema):
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class CompletionSchema(Schema):
    task_id = ma.fields.String(required=True)
    dossier_code = ma.fields.String(required=True)
    status = ma.fields.Nested(StatusSchema, required=True)
    current_steps = ma.fields.List(ma.fields.Nested(CurrentStepSchema), required=True)


_FORBIDDEN = "Not your role or unit"


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(InboxQuery, location="query")
    @blp.response(200, TaskListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self, query: dict[str, Any]) -> Any:
        """Open tasks of my roles in my unit, oldest first"""
        return queries.inbox(
            engine(),
            actor(),
            assignee=query["assignee"],
            procedure=query["procedure"],
            dossier=query["dossier"],
            page=query["page"],
            page_size=query["page_size"],
        )


@blp.route("/<string:task_id>")
class Task(MethodView):
    @blp.response(200, TaskDetailSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such task"))
    def get(self, task_id: str) -> dict[str, Any]:
        """A task with its form's JSON Schema and the dossier data it needs (read logged)"""
        detail: TaskDetail = reads.read_task(engine(), actor(), task_id)
        return {
            **_as_dict(detail.task),
            "form_key": detail.form_key,
            "form_schema": detail.form_schema,
            "dossier": detail.dossier,
            "data": detail.data,
        }


@blp.route("/<string:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSchema)
    @blp.authenticated(
        _FORBIDDEN, (404, "No such task"), (409, "Claimed by someone else, or no longer open")
    )
    def post(self, task_id: str) -> TaskSummary:
        """Claim a task (claiming your own claimed task again is fine)"""
        return tasks.claim_task(engine(), actor(), task_id)


@blp.route("/<string:task_id>/release")
class Release(MethodView):
    @blp.response(200, TaskSchema)
    @blp.authenticated(
        _FORBIDDEN,
        (404, "No such task"),
        (409, "You do not hold the claim"),
    )
    def post(self, task_id: str) -> TaskSummary:
        """Give a claimed task back to the unit

        Its claimant may; leaders of the task's unit and administrators may release anyone's
        claim (the event names whose claim it was); for them a task nobody holds stays so."""
        return tasks.release_task(engine(), actor(), task_id)


class AssignBody(Schema):
    officer = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=80),
        metadata={"description": "username of an active officer of the task's unit and role"},
    )


@blp.route("/<string:task_id>/assign")
class Assign(MethodView):
    @blp.arguments(AssignBody)
    @blp.response(200, TaskSchema)
    @blp.authenticated(
        _FORBIDDEN,
        (404, "No such task"),
        (409, "No longer open"),
        (422, "The officer cannot work the task (inactive, other unit or role)"),
    )
    def post(self, body: dict[str, str], task_id: str) -> TaskSummary:
        """Give a task, claimed or not, to an officer (leaders of its unit, administrators)"""
        return tasks.assign_task(engine(), actor(), task_id, body["officer"])


@blp.route("/<string:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteBody)
    @blp.response(200, CompletionSchema)
    @blp.authenticated(
        _FORBIDDEN,
        (404, "No such task"),
        (409, "Not claimed by you, or no longer READY"),
        (422, "Form data rejected, per field"),
    )
    def post(self, body: dict[str, Any], task_id: str) -> CompletionResult:
        """Complete a claimed task with its form data"""
        return tasks.complete_task(engine(), actor(), task_id, body["data"])


def _as_dict(summary: TaskSummary) -> dict[str, Any]:
    return {field: getattr(summary, field) for field in summary.__slots__}
