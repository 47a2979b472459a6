"""Nộp hồ sơ trực tuyến: choose the unit, fill the procedure's form, upload files, review, submit,
and the acknowledgement (R-2.4: code, procedure, server time, each file's name and SHA-256).

Every step is a server round trip (no JavaScript needed): the edit page posts to itself; when
everything passes, the same address answers with the review page, whose buttons post "edit" or
"submit". Between steps the typed values and the uploaded files' SHA-256 travel in a signed
field (web/portal/submission_draft.py). Files are staged as they are uploaded
(`staging.stage_upload`, within the account's quota) and taken back when removed; submitting
calls `dossiers.submit_dossier_once` with them, which attaches them in the submission's
transaction (the same rows and `file_uploaded` events as `POST /api/v1/dossiers/{code}/files`),
and with the draft's nonce as its submission key (as `POST /api/v1/dossiers` with an
`Idempotency-Key`): a draft makes at most one dossier, whatever the session or the number of posts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engine.errors import (
    PayloadTooLargeError,
    PermissionDeniedError,
    StagedFileGoneError,
    StagingQuotaExceededError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from engine.file_results import StagedFile
from engine.queries import dossiers as queries
from engine.results import ProcedureDetail, UnitDetail
from engine.security.authz import Actor, Role
from engine.services import dossiers, files, reads, staging
from engine.services.dossiers import SubmitDossier
from engine.submission_keys import SubmissionKeyReusedError
from engine.uploads import ALLOWED_TYPES
from web.auth.session import current_actor, login_required
from web.context import engine
from web.forms_render import FormState, FormView, SchemaForm
from web.i18n import _
from web.portal import submission_draft
from web.portal.submission_draft import Draft
from web.portal.submission_form import (
    engine_error_paths,
    has_attachment_list,
    page_schema,
    split,
)
from web.upload_limits import accepts_files

blp = Blueprint("submission", __name__)
#: Files one post may carry; more are added by posting again (the page keeps the earlier ones).
FILES_PER_POST = 5
#: Files one dossier may carry through this page.
MAX_FILES = 20
STEP_FIELD = "_step"
DRAFT_FIELD = "_draft"
FILES_FIELD = "_files"


@blp.route("/nop-ho-so/<string:key>", methods=["GET", "POST"])
@accepts_files(FILES_PER_POST)
@login_required(Role.CITIZEN)
def submit(key: str) -> Response | str | tuple[str, int]:
    ctx = engine()
    actor = _actor()
    user_id = actor.user_id
    assert user_id is not None
    procedure = queries.get_procedure(ctx, key)
    units = _units()
    if not units:  # the procedure's page does not offer online submission then
        abort(404)
    form = SchemaForm(page_schema(procedure.submission_form, procedure.applicant, units))
    if request.method == "GET":
        return _edit(procedure, form.blank(), Draft(user_id, key))
    step = request.form.get(STEP_FIELD, "")
    posted = submission_draft.load(request.form.get(DRAFT_FIELD), user_id, key)
    draft = posted or Draft(user_id, key)
    if step in ("edit", "submit") and (posted is None or posted.values is None):
        return _edit(procedure, form.blank(), draft, expired=True), 422
    if step == "edit":
        assert draft.values is not None
        return _edit(procedure, form.blank(draft.values), draft)
    if step == "submit":
        return _submit(procedure, form, draft)
    state = form.from_post(request.form)
    if step.startswith("remove:"):
        draft = _remove(actor, draft, step.removeprefix("remove:"))
    draft, file_errors = _stage(actor, draft)
    if state.action is not None or step == "upload" or step.startswith("remove:"):
        # Not "continue": the form is shown again as typed, without judging it yet.
        page = _edit(procedure, state, draft, file_errors=file_errors)
        return (page, 422) if file_errors else page
    values, errors = state.submit()
    if errors or file_errors:
        return _edit(procedure, state, draft, file_errors=file_errors), 422
    return _review(procedure, form, draft.reviewed(values))


@blp.get("/nop-ho-so/da-nop/<string:code>")
@login_required(Role.CITIZEN)
def done(code: str) -> str:
    """The acknowledgement of an online dossier (R-2.4), for its applicant only."""
    ctx = engine()
    actor = _actor()
    try:
        detail = reads.read_dossier(ctx, actor, code)
        attached = files.list_files(ctx, actor, code)
    except PermissionDeniedError:
        abort(404)  # someone else's dossier reads as none at all: codes are sequential
    return render_template("portal/submission_done.html", dossier=detail, files=attached)


def _submit(
    procedure: ProcedureDetail, form: SchemaForm, draft: Draft
) -> Response | str | tuple[str, int]:
    """Submit the reviewed draft, once: its nonce is the submission key, so the same review page
    posted again (a double click, a reload, a replay from another session within the draft's
    validity, two posts at once) leads to the dossier it created."""
    ctx = engine()
    actor = _actor()
    assert draft.values is not None
    parts = split(
        draft.values,
        procedure.applicant,
        draft.files,
        has_attachment_list(procedure.submission_form),
    )
    command = SubmitDossier(
        procedure=procedure.key,
        unit=parts.unit,
        applicant=parts.applicant,
        data=parts.data,
        channel="online",
        files=draft.files,
        submission_key=draft.nonce or None,
    )
    try:
        submitted = dossiers.submit_dossier_once(ctx, actor, command)
    except SubmissionKeyReusedError as exc:
        # The draft was edited after it was submitted (back, edit, submit): one dossier per draft.
        return redirect(url_for("submission.done", code=exc.dossier_code))
    except StagedFileGoneError as exc:
        # Swept after the TTL (a draft kept open for a day) or removed in another draft: say
        # which, keep the rest, and let the citizen upload them again.
        gone = set(exc.sha256s)
        kept = draft.with_files(tuple(f for f in draft.files if f.sha256 not in gone))
        messages = [
            _(
                "Tệp “%(name)s” đã quá thời hạn lưu tạm và không còn trên hệ thống. "
                "Vui lòng tải lên lại.",
                name=name[-80:],
            )
            for name in exc.names
        ]
        return _edit(procedure, form.blank(draft.values), kept, file_errors=messages), 422
    except ValidationFailedError as exc:
        state = form.blank(draft.values)
        state.add_engine_errors(engine_error_paths([(e.field, e.message) for e in exc.errors]))
        return _edit(procedure, state, draft), 422
    return redirect(url_for("submission.done", code=submitted.dossier.code))


def _stage(actor: Actor, draft: Draft) -> tuple[Draft, list[str]]:
    """Store the files of this post (checked as the API checks uploads); messages for the rest."""
    uploads = [f for f in request.files.getlist(FILES_FIELD) if f.filename]
    errors: list[str] = []
    if len(uploads) > FILES_PER_POST:
        errors.append(_("Mỗi lần chỉ chọn tối đa %(n)s tệp.", n=FILES_PER_POST))
        return draft, errors
    found = list(draft.files)
    for upload in uploads:
        if len(found) >= MAX_FILES:
            errors.append(_("Hồ sơ có tối đa %(n)s tệp đính kèm.", n=MAX_FILES))
            break
        staged = _stage_one(actor, upload, errors)
        if staged is not None and all(f.sha256 != staged.sha256 for f in found):
            found.append(staged)
    return draft.with_files(tuple(found)), errors


def _remove(actor: Actor, draft: Draft, sha256: str) -> Draft:
    """The draft without that file, which is taken back from the account's staged files."""
    if any(f.sha256 == sha256 for f in draft.files):
        staging.discard_staged(engine(), actor, sha256)
    return draft.without(sha256)


def _stage_one(actor: Actor, upload: FileStorage, errors: list[str]) -> StagedFile | None:
    ctx = engine()
    limit = ctx.settings.upload_max_bytes
    content = upload.stream.read(limit + 1)
    name = upload.filename or ""
    shown = name[-80:]
    try:
        return staging.stage_upload(ctx, actor, name, content)
    except StagingQuotaExceededError as exc:
        errors.append(
            _(
                "Tệp “%(name)s” chưa được lưu: tài khoản của bạn đang có %(files)s tệp "
                "(%(size)s) đã tải lên nhưng chưa nộp, tối đa %(max_files)s tệp và "
                "%(max_size)s. Hãy nộp hồ sơ đang soạn hoặc xoá bớt tệp không dùng; tệp "
                "chưa nộp được tự động xoá sau %(hours)s giờ.",
                name=shown,
                files=exc.files,
                size=_size(exc.size),
                max_files=exc.max_files,
                max_size=_size(exc.max_bytes),
                hours=ctx.settings.staging.ttl_seconds // 3600,
            )
        )
    except PayloadTooLargeError:
        errors.append(_("Tệp “%(name)s” lớn hơn %(size)s.", name=shown, size=_size(limit)))
    except UnsupportedMediaTypeError:
        errors.append(
            _(
                "Tệp “%(name)s” không phải tệp PDF, JPG hoặc PNG (đuôi tên tệp phải đúng loại).",
                name=shown,
            )
        )
    except ValidationFailedError:
        errors.append(_("Tệp “%(name)s” trống.", name=shown))
    return None


def _edit(
    procedure: ProcedureDetail,
    state: FormState,
    draft: Draft,
    *,
    file_errors: list[str] | None = None,
    expired: bool = False,
) -> str:
    view = state.view()
    summary = list(view.summary)
    for message in file_errors or []:
        summary.append((FILES_FIELD, message))
    head, body = _sections(view)
    return render_template(
        "portal/submission_edit.html",
        procedure=procedure,
        head=head,
        body=body,
        summary=summary,
        draft=draft,
        draft_token=submission_draft.dump(draft.editing()),
        file_errors=file_errors or [],
        rules=_rules(),
        expired=expired,
    )


def _review(procedure: ProcedureDetail, form: SchemaForm, draft: Draft) -> str:
    assert draft.values is not None
    head, body = _sections(form.blank(draft.values).view())
    return render_template(
        "portal/submission_review.html",
        procedure=procedure,
        head=head,
        body=body,
        draft=draft,
        draft_token=submission_draft.dump(draft),
    )


def _sections(view: FormView) -> tuple[FormView, FormView]:
    """Where and who (the page's own two fields) apart from the procedure's declaration."""
    head = FormView(None, view.fields[:2], view.summary, view.form_errors)
    return head, FormView(view.title, view.fields[2:], [], [])


def _rules() -> dict[str, Any]:
    limit = engine().settings.upload_max_bytes
    kinds = [", ".join(e.lstrip(".").upper() for e in t.extensions) for t in ALLOWED_TYPES]
    return {
        "types": kinds,
        "accept": ",".join(
            [t.content_type for t in ALLOWED_TYPES]
            + [e for t in ALLOWED_TYPES for e in t.extensions]
        ),
        "max_size": _size(limit),
        "per_post": FILES_PER_POST,
        "max_files": MAX_FILES,
    }


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MB"
    return f"{limit // 1024} KB"


def _units() -> list[UnitDetail]:
    return queries.receiving_units(engine())


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None and actor.user_id is not None  # a citizen has an account
    return actor
