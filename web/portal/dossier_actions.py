"""What an applicant does to their dossier from "Hồ sơ của tôi", each through the engine service
the API calls: the supplement while status is 5 (`supplements.submit_supplement`, as `POST
/dossiers/{code}/supplements`), the withdrawal before the result with a confirmation step
(`closures.withdraw_dossier`, as `POST /dossiers/{code}/withdraw`) and the one-time rating after
the result was returned (`ratings.rate_dossier`, as `POST /dossiers/{code}/rating`). Every form
posts with CSRF and works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from engine.errors import (
    InvalidStateError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from engine.event_types import SATISFACTION_CRITERIA, SATISFACTION_LEVELS
from engine.queries import dossiers as queries
from engine.security.authz import Role
from engine.services import closures, files, ratings, supplements
from engine.statuses import DossierStatus
from engine.uploads import ALLOWED_TYPES
from web.auth.session import login_required
from web.context import engine
from web.forms_render import SchemaForm
from web.i18n import _
from web.portal import blp
from web.portal.my_dossiers import CRITERIA_NAMES, applicant, detail_page, may_withdraw, owner_only
from web.portal.timeline import latest_request
from web.simple_forms import FormErrors
from web.upload_limits import accepts_files

MAX_REASON = closures.MAX_REASON
MAX_COMMENT = ratings.MAX_COMMENT
FILES_FIELD = "_files"
FILES_PER_POST = 5


@blp.route("/ho-so-cua-toi/<string:code>/bo-sung", methods=["GET", "POST"])
@accepts_files(FILES_PER_POST)
@login_required(Role.CITIZEN)
def supplement(code: str) -> Any:
    """The submission form with what was sent, to correct and complete as the office asked."""
    ctx = engine()
    actor = applicant()
    with owner_only():
        detail = queries.get_dossier(ctx, actor, code)
    if detail.status.code != DossierStatus.SUPPLEMENT_REQUESTED:
        flash(_("Hồ sơ này không ở trạng thái chờ bổ sung."), "warning")
        return redirect(url_for("portal.dossier", code=code))
    schema = queries.get_procedure(ctx, detail.procedure).submission_form
    if schema is None:
        abort(404)
    form = SchemaForm(schema)
    status = 200
    if request.method == "POST":
        state = form.from_post(request.form)
        if state.action is None:
            data, errors = state.submit()
            file_errors = attach_files(code, data, schema)
            if file_errors:
                state.form_errors.extend(file_errors)
            elif not errors and not state.form_errors:
                try:
                    with owner_only():
                        supplements.submit_supplement(ctx, actor, code, data)
                except ValidationFailedError as error:
                    state.add_engine_errors([(e.field, e.message) for e in error.errors])
                except InvalidStateError:
                    flash(_("Hồ sơ này không ở trạng thái chờ bổ sung."), "warning")
                    return redirect(url_for("portal.dossier", code=code))
                else:
                    flash(_("Đã gửi hồ sơ bổ sung. Cơ quan sẽ tiếp tục giải quyết."), "success")
                    return redirect(url_for("portal.dossier", code=code))
            status = 422
    else:
        state = form.blank(detail.submission)
    page = render_template(
        "portal/supplement.html",
        detail=detail,
        form=state.view(),
        request_notice=latest_request(detail),
        files_field=FILES_FIELD,
        max_files=FILES_PER_POST,
        max_mb=ctx.settings.upload_max_bytes // (1024 * 1024),
        types=", ".join(ext.lstrip(".").upper() for t in ALLOWED_TYPES for ext in t.extensions),
    )
    return page, status


def attach_files(code: str, data: dict[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Store the files chosen on the supplement page on the dossier (`files.upload_file`, as
    `POST /api/v1/dossiers/{code}/files`) and list them in the form's `attachments` with their
    SHA-256; messages for the files refused (nothing is sent then)."""
    chosen = [f for f in request.files.getlist(FILES_FIELD) if f.filename]
    if len(chosen) > FILES_PER_POST:
        return [_("Chọn tối đa %(n)s tệp mỗi lần gửi.", n=FILES_PER_POST)]
    ctx = engine()
    limit = ctx.settings.upload_max_bytes
    errors: list[str] = []
    stored = []
    for upload in chosen:
        name = upload.filename or ""
        try:
            with owner_only():
                view, _created = files.upload_file(
                    ctx, applicant(), code, name, upload.stream.read(limit + 1)
                )
        except PayloadTooLargeError:
            errors.append(_("Tệp %(name)s lớn hơn giới hạn cho phép.", name=name))
        except (UnsupportedMediaTypeError, ValidationFailedError):
            errors.append(_("Tệp %(name)s không phải PDF, JPEG hoặc PNG.", name=name))
        else:
            stored.append({"name": view.name, "sha256": view.sha256})
    if stored and "attachments" in schema.get("properties", {}):
        listed = list(data.get("attachments") or [])
        known = {a.get("sha256") for a in listed if isinstance(a, dict)}
        listed.extend(a for a in stored if a["sha256"] not in known)
        data["attachments"] = listed
    return errors


@blp.route("/ho-so-cua-toi/<string:code>/rut-ho-so", methods=["GET", "POST"])
@login_required(Role.CITIZEN)
def withdraw(code: str) -> Any:
    """Ask, then withdraw: the first page explains what withdrawing means and asks why."""
    ctx = engine()
    actor = applicant()
    with owner_only():
        detail = queries.get_dossier(ctx, actor, code)
    if not may_withdraw(detail):
        flash(_("Hồ sơ này không thể rút nữa."), "warning")
        return redirect(url_for("portal.dossier", code=code))
    errors = FormErrors()
    reason = ""
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()
        errors.check_text(
            "reason",
            reason,
            missing=_("Nhập lý do rút hồ sơ"),
            max_length=MAX_REASON,
            too_long=_("Lý do dài tối đa %(n)s ký tự", n=MAX_REASON),
        )
        if not errors:
            try:
                with owner_only():
                    closures.withdraw_dossier(ctx, actor, code, reason)
            except ValidationFailedError:
                errors.add("reason", _("Nhập lý do rút hồ sơ"))
            except InvalidStateError:
                flash(_("Hồ sơ này không thể rút nữa."), "warning")
                return redirect(url_for("portal.dossier", code=code))
            else:
                flash(_("Đã rút hồ sơ %(code)s.", code=code), "success")
                return redirect(url_for("portal.dossier", code=code))
    page = render_template("portal/withdraw.html", detail=detail, errors=errors, reason=reason)
    return page, 422 if errors else 200


@blp.post("/ho-so-cua-toi/<string:code>/danh-gia")
@login_required(Role.CITIZEN)
def rate(code: str) -> Any:
    """The rating form of the detail page: each criterion not rated yet, once (R-2.7)."""
    ctx = engine()
    actor = applicant()
    values = {c: request.form.get(f"rating_{c}", "") for c in SATISFACTION_CRITERIA}
    comment = request.form.get("comment", "").strip()
    values["comment"] = comment
    given = {c: level for c in SATISFACTION_CRITERIA if (level := values[c])}
    errors = FormErrors()
    for criterion, level in given.items():
        if level not in SATISFACTION_LEVELS:
            errors.add(f"rating_{criterion}", _("Chọn một mức đánh giá"))
    if not given:
        first = SATISFACTION_CRITERIA[0]
        errors.add(f"rating_{first}", _("Chọn mức đánh giá cho ít nhất một tiêu chí"))
    if len(comment) > MAX_COMMENT:
        errors.add("comment", _("Ý kiến dài tối đa %(n)s ký tự", n=MAX_COMMENT))
    if not errors:
        try:
            with owner_only():
                ratings.rate_dossier(ctx, actor, code, given, comment or None)
        except InvalidStateError:
            flash(_("Hồ sơ này chưa thể đánh giá, hoặc tiêu chí đã được đánh giá."), "warning")
            return redirect(url_for("portal.dossier", code=code))
        except ValidationFailedError as error:
            for problem in error.errors:
                name = problem.field.removeprefix("ratings.")
                field = f"rating_{name}" if name in CRITERIA_NAMES else "comment"
                errors.add(field, _("Giá trị không hợp lệ"))
        else:
            flash(_("Cảm ơn bạn đã đánh giá."), "success")
            return redirect(url_for("portal.dossier", code=code) + "#danh-gia")
    return detail_page(code, rating_errors=errors, rating_values=values, status=422)
