"""A counter dossier's page (issue 16): reception works it for an applicant without an account
(R-2.8). It shows the dossier, its scanned files and the documents issued (Mẫu 01 and the
others, as their signed PDFs), and offers what the applicant would otherwise do or needs done
at the desk: the open reception step (check and accept, hand over the result), the supplement
while status is 5, more scans, and the satisfaction rating once the result was returned."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import (
    ConflictError,
    InvalidStateError,
    PayloadTooLargeError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from engine.event_types import SATISFACTION_CRITERIA, SATISFACTION_LEVELS
from engine.queries import dossiers as queries
from engine.results import DossierDetail, TaskDetail
from engine.security.authz import Actor, Role
from engine.services import documents, files, ratings, reads, supplements, tasks
from engine.statuses import DossierStatus
from web.auth.session import current_actor, login_required
from web.context import engine
from web.forms_render import FormState, SchemaForm
from web.i18n import _
from web.simple_forms import FormErrors
from web.upload_limits import accepts_files
from web.workspace import blp

CRITERIA = {
    "overall": "Mức độ hài lòng chung",
    "convenience": "Sự thuận tiện",
    "timeliness": "Thời gian giải quyết",
    "staff_attitude": "Thái độ của cán bộ",
}
LEVELS = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "not_satisfied": "Không hài lòng",
}


@dataclass
class DossierPage:
    """Everything the page draws; the action that was posted keeps its form and errors."""

    dossier: DossierDetail
    step: TaskDetail | None = None
    step_form: FormState | None = None
    supplement_form: FormState | None = None
    errors: FormErrors = field(default_factory=FormErrors)
    rating_values: dict[str, str] = field(default_factory=dict)

    @property
    def acts_for_applicant(self) -> bool:
        return self.dossier.channel != "online"


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None
    return actor


def _page(code: str) -> DossierPage:
    ctx, actor = engine(), _actor()
    try:
        dossier = reads.read_dossier(ctx, actor, code)
    except PermissionDeniedError:
        abort(404)  # another unit's dossier reads as none at all: codes are sequential
    page = DossierPage(dossier)
    for step in dossier.current_steps:
        if step.role == Role.RECEPTION and step.unit_code in (None, actor.unit_code):
            page.step = queries.get_task(ctx, actor, step.task_id)
            page.step_form = SchemaForm(page.step.form_schema or {"type": "object"}).blank()
            break
    if dossier.status.code == DossierStatus.SUPPLEMENT_REQUESTED and page.acts_for_applicant:
        submission = queries.get_procedure(ctx, dossier.procedure).submission_form
        page.supplement_form = SchemaForm(submission or {"type": "object"}).blank(
            dossier.submission
        )
    return page


def _render(page: DossierPage, status: int = 200) -> tuple[str, int]:
    ctx, actor = engine(), _actor()
    code = page.dossier.code
    return (
        render_template(
            "workspace/counter_dossier.html",
            page=page,
            files=files.list_files(ctx, actor, code),
            issued=documents.list_documents(ctx, actor, code),
            criteria=CRITERIA,
            levels=LEVELS,
            channels={
                "direct": _("Trực tiếp"),
                "postal": _("Bưu chính"),
                "online": _("Trực tuyến"),
            },
        ),
        status,
    )


@blp.get("/mot-cua/ho-so/<string:code>")
@login_required(Role.RECEPTION)
def counter_dossier(code: str) -> tuple[str, int]:
    return _render(_page(code[:60]))


@blp.post("/mot-cua/ho-so/<string:code>/buoc/<string:task_id>")
@login_required(Role.RECEPTION)
def counter_step(code: str, task_id: str) -> tuple[str, int] | Response:
    """Complete the open reception step (claimed first; claiming one's own is a no-op)."""
    ctx, actor = engine(), _actor()
    page = _page(code[:60])
    if page.step is None or page.step.task.id != task_id:
        flash(_("Bước này đã được xử lý hoặc không còn mở."), "error")
        return redirect(url_for("workspace.counter_dossier", code=page.dossier.code))
    state = SchemaForm(page.step.form_schema or {"type": "object"}).from_post(request.form)
    page.step_form = state
    if state.action is not None:
        return _render(page)
    data, errors = state.submit()
    if errors or state.form_errors:
        return _render(page, 422)
    try:
        tasks.claim_task(ctx, actor, task_id)
        tasks.complete_task(ctx, actor, task_id, data)
    except ValidationFailedError as error:
        state.add_engine_errors([(e.field, e.message) for e in error.errors])
        return _render(page, 422)
    except ConflictError:
        state.form_errors.append(
            _("Bước này đang do cán bộ khác xử lý hoặc vừa thay đổi; tải lại trang để xem.")
        )
        return _render(page, 409)
    flash(_("Đã hoàn thành bước %(name)s.", name=page.step.task.name), "success")
    return redirect(url_for("workspace.counter_dossier", code=page.dossier.code))


@blp.post("/mot-cua/ho-so/<string:code>/bo-sung")
@login_required(Role.RECEPTION)
def counter_supplement(code: str) -> tuple[str, int] | Response:
    """Hand in the supplement the applicant brought to the desk (R-2.8)."""
    ctx, actor = engine(), _actor()
    page = _page(code[:60])
    if page.supplement_form is None:
        flash(_("Hồ sơ không ở trạng thái chờ bổ sung."), "error")
        return redirect(url_for("workspace.counter_dossier", code=page.dossier.code))
    state = page.supplement_form.form.from_post(request.form)
    page.supplement_form = state
    if state.action is not None:
        return _render(page)
    data, errors = state.submit()
    if errors or state.form_errors:
        return _render(page, 422)
    try:
        supplements.submit_supplement(ctx, actor, page.dossier.code, data)
    except ValidationFailedError as error:
        state.add_engine_errors([(e.field, e.message) for e in error.errors])
        return _render(page, 422)
    flash(_("Đã nộp hồ sơ bổ sung thay người nộp."), "success")
    return redirect(url_for("workspace.counter_dossier", code=page.dossier.code))


@blp.post("/mot-cua/ho-so/<string:code>/tep")
@accepts_files(1)
@login_required(Role.RECEPTION)
def counter_upload(code: str) -> tuple[str, int] | Response:
    """Add a scanned document to the dossier."""
    ctx, actor = engine(), _actor()
    limit = ctx.settings.upload_max_bytes
    page = _page(code[:60])
    upload = request.files.get("scan")
    if upload is None or not upload.filename:
        page.errors.add("scan", _("Chọn tệp cần tải lên"))
        return _render(page, 422)
    try:
        files.upload_file(
            ctx, actor, page.dossier.code, upload.filename, upload.stream.read(limit + 1)
        )
    except PayloadTooLargeError:
        page.errors.add("scan", _("Tệp lớn hơn giới hạn cho phép"))
    except (UnsupportedMediaTypeError, ValidationFailedError):
        page.errors.add("scan", _("Tệp phải là PDF, JPEG hoặc PNG và không rỗng"))
    except InvalidStateError:
        page.errors.add("scan", _("Hồ sơ đã kết thúc, không thêm tệp được"))
    if page.errors:
        return _render(page, 422)
    flash(_("Đã tải lên tệp %(name)s.", name=upload.filename), "success")
    return redirect(url_for("workspace.counter_dossier", code=page.dossier.code))


@blp.post("/mot-cua/ho-so/<string:code>/danh-gia")
@login_required(Role.RECEPTION)
def counter_rating(code: str) -> tuple[str, int] | Response:
    """Record the applicant's satisfaction rating for them (R-2.7, R-2.8)."""
    ctx, actor = engine(), _actor()
    page = _page(code[:60])
    chosen = {
        name: request.form.get(f"rating_{name}", "")[:20]
        for name in SATISFACTION_CRITERIA
        if request.form.get(f"rating_{name}")
    }
    page.rating_values = chosen
    for name, level in chosen.items():
        if level not in SATISFACTION_LEVELS:
            page.errors.add(f"rating_{name}", _("Chọn một mức đánh giá"))
    if not chosen:
        page.errors.add("rating_overall", _("Chọn mức đánh giá cho ít nhất một tiêu chí"))
    comment = request.form.get("rating_comment", "").strip()
    if len(comment) > ratings.MAX_COMMENT:
        page.errors.add("rating_comment", _("Tối đa %(n)s ký tự", n=ratings.MAX_COMMENT))
    if page.errors:
        return _render(page, 422)
    try:
        ratings.rate_dossier(ctx, actor, page.dossier.code, chosen, comment or None)
    except InvalidStateError:
        page.errors.add("rating_overall", _("Hồ sơ đã được đánh giá hoặc chưa trả kết quả"))
        return _render(page, 409)
    flash(_("Đã ghi nhận đánh giá của người nộp."), "success")
    return redirect(url_for("workspace.counter_dossier", code=page.dossier.code))
