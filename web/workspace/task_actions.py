"""Claim and release from the inbox or the task page: the engine's `tasks.claim_task` and
`tasks.release_task`, as `POST /api/v1/tasks/{id}/claim|release` call them.

Without JavaScript a POST answers with a redirect back (`next`, a local address) and the outcome
as a message on that page. With htmx (`HX-Request`) it answers with the task's inbox row, redrawn,
carrying the outcome next to the buttons: the row swaps in place and nothing else reloads. A
conflict (someone else claimed it first) is answered 200 to htmx on purpose, so that the row
showing who holds the task replaces the stale one.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request
from werkzeug.wrappers import Response

from engine.errors import (
    ConcurrentModificationError,
    ConflictError,
    PermissionDeniedError,
    TaskAlreadyClaimedError,
    TaskNotClaimedError,
    TaskNotReadyError,
)
from engine.results import TaskSummary
from engine.security.authz import OFFICER_ROLES, Actor
from engine.services import tasks
from web.auth.session import current_actor, login_required, safe_next
from web.context import engine
from web.i18n import _
from web.workspace import blp
from web.workspace.inbox import deadline_labels, find_row

#: The error banner's category (styled like the other banners).
ERROR = "error"


def conflict_message(error: ConflictError, holder: str | None = None) -> str:
    """A 409 in plain Vietnamese, by its kind (the engine's English text is never shown)."""
    if isinstance(error, TaskAlreadyClaimedError):
        if holder:
            return _(
                "Không nhận được: cán bộ %(holder)s đã nhận công việc này trước bạn.",
                holder=holder,
            )
        return _("Không nhận được: một cán bộ khác đã nhận công việc này trước bạn.")
    if isinstance(error, TaskNotClaimedError):
        return _("Bạn chưa nhận công việc này (hoặc đã có người khác nhận). Hãy nhận việc trước.")
    if isinstance(error, TaskNotReadyError):
        return _("Công việc này đã được hoàn thành hoặc không còn mở.")
    if isinstance(error, ConcurrentModificationError):
        return _("Hồ sơ vừa được thay đổi bởi người khác. Hãy tải lại trang và thử lại.")
    return _("Không thực hiện được vì hồ sơ vừa thay đổi. Hãy tải lại trang và thử lại.")


@blp.post("/cong-viec/<string:task_id>/nhan")
@login_required(*OFFICER_ROLES)
def claim(task_id: str) -> Response | str:
    return _act(task_id, tasks.claim_task, _("Bạn đã nhận công việc của hồ sơ %(code)s."))


@blp.post("/cong-viec/<string:task_id>/tra-lai")
@login_required(*OFFICER_ROLES)
def release(task_id: str) -> Response | str:
    return _act(task_id, tasks.release_task, _("Bạn đã trả lại công việc của hồ sơ %(code)s."))


def _act(task_id: str, action: Callable[..., TaskSummary], done: str) -> Response | str:
    actor = current_actor()
    assert actor is not None
    code = request.form.get("ho-so", "")[:60]
    message, failed = "", False
    try:
        summary = action(engine(), actor, task_id[:36])
        code = summary.dossier_code
        message = done % {"code": code}
    except PermissionDeniedError:
        abort(404)  # another unit's or role's task: as if it did not exist
    except ConflictError as error:
        failed = True
        row, _names = find_row(task_id, code) if code else (None, {})
        message = conflict_message(error, row.task.claimed_by if row else None)
    if request.headers.get("HX-Request"):
        return _row(actor, task_id, code, message, failed)
    flash(message, ERROR if failed else "success")
    return redirect(safe_next(request.form.get("next")) or "/can-bo/hop-cong-viec")


def _row(actor: Actor, task_id: str, code: str, message: str, failed: bool) -> str:
    row, names = find_row(task_id, code) if code else (None, {})
    return render_template(
        "workspace/inbox_row.html",
        row=row,
        procedure_names=names,
        task_id=task_id,
        message=message,
        failed=failed,
        deadline_labels=deadline_labels(),
        here=safe_next(request.form.get("next")) or "/can-bo/hop-cong-viec",
    )
