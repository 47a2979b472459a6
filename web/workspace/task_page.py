"""The task page: the dossier (submitted data, attachments, documents issued), the steps so far,
the diagram with completed and current steps, and the step's form; completing it calls the same
`tasks.complete_task` as `POST /api/v1/tasks/{id}/complete`.

Attachments, documents and the diagram are served from here (same origin, so the CSP holds):
images and PDFs inline, anything else as a download; the diagram as BPMN XML for bpmn-js
(web/static/js/diagram.js) and as the server's SVG, the picture without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request
from werkzeug.wrappers import Response

from engine.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from engine.queries import definitions as definition_queries
from engine.queries import dossiers as dossier_queries
from engine.queries.inbox import deadline_of, due_soon_limit
from engine.security.authz import OFFICER_ROLES, Actor, Role
from engine.services import documents, files, tasks
from engine.services import task_page as queries
from web.auth.session import current_actor, login_required
from web.context import engine
from web.forms_render import SchemaForm
from web.i18n import _
from web.workspace import blp
from web.workspace.dossier_data import Labelled, labelled
from web.workspace.inbox import deadline_labels
from web.workspace.task_actions import conflict_message

T = TypeVar("T")
READERS = (*OFFICER_ROLES, Role.AUDITOR)
#: Served inline (the browser shows them); anything else is downloaded, never rendered.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
_SHA256_LENGTH = 64


@blp.route("/cong-viec/<string:task_id>", methods=["GET", "POST"])
@login_required(*READERS)
def task(task_id: str) -> Response | str | tuple[str, int]:
    actor = current_actor()
    assert actor is not None
    try:
        view = queries.task_page(engine(), actor, task_id[:36])
    except PermissionDeniedError:
        abort(404)  # another unit's task: as if it did not exist
    detail = view.detail
    schema = detail.form_schema or {"type": "object", "properties": {}}
    form = SchemaForm(schema)
    conflict = None
    status = 200
    if request.method == "POST":
        state = form.from_post(request.form)
        if state.action is None:
            data, errors = state.submit()
            if not errors:
                try:
                    result = tasks.complete_task(engine(), actor, detail.task.id, data)
                except ValidationFailedError as error:
                    state.add_engine_errors([(e.field, e.message) for e in error.errors])
                    status = 422
                except ConflictError as error:
                    conflict, status = conflict_message(error), 409
                else:
                    flash(
                        _(
                            "Đã hoàn thành bước “%(step)s” của hồ sơ %(code)s.",
                            step=detail.task.name,
                            code=result.dossier_code,
                        ),
                        "success",
                    )
                    return redirect("/can-bo/hop-cong-viec")
            else:
                status = 422
    else:
        state = form.blank()
    now = engine().clock.now()
    step_due = detail.task.due_at or detail.dossier.due_at
    soon = due_soon_limit(engine(), now)
    html = render_template(
        "workspace/task.html",
        view=view,
        detail=detail,
        task=detail.task,
        dossier=detail.dossier,
        form=state.view(),
        conflict=conflict,
        claimed_by_me=detail.task.claimed_by == actor.username,
        can_act=actor.unit_code == detail.task.unit_code and detail.task.role in actor.roles,
        is_open=detail.task.status == "open",
        deadline=deadline_of(step_due, now, soon),
        step_due=step_due,
        deadline_labels=deadline_labels(),
        submitted=_submitted(
            detail.dossier.procedure,
            _unmatched_attachments_marked(
                detail.dossier.submission, {f.sha256 for f in view.files}
            ),
        ),
        completed=" ".join(k for k, v in view.step_states.items() if v == "completed"),
        current=" ".join(k for k, v in view.step_states.items() if v == "current"),
        page_has_errors=status == 422,
    )
    return html, status


@blp.get("/ho-so/<string:code>/so-do.bpmn")
@login_required(*READERS)
def diagram_xml(code: str) -> Response:
    source = _visible(lambda: queries.dossier_diagram(engine(), _actor(), code[:60]))
    return Response(source, mimetype="application/xml")


@blp.get("/ho-so/<string:code>/so-do.svg")
@login_required(*READERS)
def diagram_svg(code: str) -> Response:
    svg = _visible(lambda: definition_queries.dossier_svg(engine(), _actor(), code[:60]))
    return Response(svg, mimetype="image/svg+xml")


@blp.get("/ho-so/<string:code>/tep/<string:sha256>")
@login_required(*READERS)
def attachment(code: str, sha256: str) -> Response:
    if len(sha256) != _SHA256_LENGTH:
        abort(404)
    found = _visible(lambda: files.read_file(engine(), _actor(), code[:60], sha256))
    return _file(found.content, found.file.content_type, found.file.name)


@blp.get("/ho-so/<string:code>/van-ban/<int:document_id>")
@login_required(*READERS)
def document(code: str, document_id: int) -> Response:
    if document_id > 2**31 - 1:
        abort(404)
    try:
        found = _visible(
            lambda: documents.read_document(engine(), _actor(), code[:60], document_id, html=False)
        )
    except InvalidStateError:
        abort(404)  # issued before documents were PDFs: nothing to show
    return _file(found.content, found.media_type, found.filename)


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None
    return actor


def _visible(read: Callable[[], T]) -> T:
    """What `read` returns; another unit's dossier is a 404, like one that does not exist."""
    try:
        return read()
    except (PermissionDeniedError, NotFoundError):
        abort(404)


def _file(content: bytes, content_type: str, name: str) -> Response:
    response = Response(content, mimetype=content_type)
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=name)
    # A stored file is never a page: no script runs in it even if opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _unmatched_attachments_marked(data: dict[str, Any], held: set[str]) -> dict[str, Any]:
    """The submitted data with each `attachments` entry whose SHA-256 names no file of the
    dossier marked so: an API client may list a file before uploading it, or never upload it,
    and the officer must not take the list for the files (those are under "Giấy tờ đính kèm")."""
    listed = data.get("attachments")
    if not isinstance(listed, list):
        return data
    note = _("không có tệp này trong hồ sơ")
    marked = [
        {**entry, "sha256": f"{entry['sha256']} ({note})"}
        if isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str)
        and entry["sha256"] not in held
        else entry
        for entry in listed
    ]
    return {**data, "attachments": marked}


def _submitted(procedure: str, data: dict[str, Any]) -> Labelled:
    """The submitted data labelled by the procedure's submission form."""
    try:
        schema = dossier_queries.get_procedure(engine(), procedure).submission_form
    except NotFoundError:
        schema = None
    return labelled(schema, data)
