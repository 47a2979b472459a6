"""Counter reception (tiếp nhận tại Bộ phận Một cửa, issue 16): reception registers a dossier for
a walk-in or postal applicant with the procedure's own submission form and the scanned
documents, through the same engine service as `POST /api/v1/dossiers`; then works the dossier
for the applicant on its page (web/workspace/counter_dossier.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engine.errors import EngineError, ValidationFailedError
from engine.queries import dossiers as queries
from engine.results import DossierDetail, ProcedureDetail
from engine.security.authz import Role
from engine.services import dossiers, files
from engine.services.dossiers import (
    ID_NUMBER_PATTERN,
    PHONE_PATTERN,
    TAX_CODE_PATTERN,
    Applicant,
    SubmitDossier,
)
from engine.submission_keys import SubmissionKeyReusedError
from engine.uploads import checked_upload
from web.auth.session import current_actor, login_required
from web.context import engine
from web.forms_render import FormState, SchemaForm
from web.i18n import _
from web.simple_forms import FormErrors
from web.upload_limits import accepts_files
from web.workspace import blp

#: Scanned documents one registration may carry (more can be added on the dossier's page).
MAX_SCANS = 10
PAGE_SIZE = 20
CHANNELS = (("direct", "Trực tiếp tại Bộ phận Một cửa"), ("postal", "Qua dịch vụ bưu chính"))
RETURN_CHANNELS = (*CHANNELS, ("online", "Trực tuyến"))
#: The applicant's inputs: (field, label, required, max length). Named `applicant_*` so they
#: never collide with the procedure form's own inputs on the same page.
PERSON_FIELDS = (
    ("full_name", "Họ và tên người nộp", True, 100),
    ("id_number", "Số CCCD/ĐDCN/Hộ chiếu", True, 12),
    ("phone", "Số điện thoại", False, 15),
    ("address", "Địa chỉ", False, 300),
)
EMPLOYER_FIELDS = (
    ("full_name", "Tên đơn vị sử dụng lao động", True, 200),
    ("tax_code", "Mã số thuế", True, 14),
    ("unit_code", "Mã đơn vị BHXH", False, 15),
    ("contact_name", "Người liên hệ", False, 100),
    ("phone", "Số điện thoại", False, 15),
    ("address", "Địa chỉ", False, 300),
)

#: The engine's own rules for the applicant's identifiers, checked here to say what is wrong.
PATTERNS = {
    "id_number": (ID_NUMBER_PATTERN, "Số giấy tờ gồm 8 đến 12 chữ số hoặc chữ in hoa"),
    "phone": (PHONE_PATTERN, "Số điện thoại bắt đầu bằng 0 hoặc +84, gồm 10 đến 11 chữ số"),
    "tax_code": (TAX_CODE_PATTERN, "Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu - và 3 chữ số"),
}


@dataclass
class Registration:
    """What the registration page shows: the chosen procedure, the applicant's and channel's
    inputs as typed, the procedure's form, and every error by input name."""

    procedure: ProcedureDetail
    form: FormState
    values: dict[str, str]
    errors: FormErrors

    @property
    def applicant_fields(self) -> tuple[tuple[str, str, bool, int], ...]:
        return EMPLOYER_FIELDS if self.procedure.applicant == "employer" else PERSON_FIELDS


@blp.get("/mot-cua")
@login_required(Role.RECEPTION)
def counter_home() -> str | Response:
    """The counter: register a new dossier, open one by its code, the unit's latest dossiers."""
    actor = current_actor()
    assert actor is not None
    code = request.args.get("ma", "").strip().upper()[:60]
    if code:
        return redirect(url_for("workspace.counter_dossier", code=code))
    ctx = engine()
    page_arg = request.args.get("trang", "1")
    number = int(page_arg) if page_arg.isdigit() and len(page_arg) < 7 else 1
    page = queries.list_dossiers(ctx, actor, number, PAGE_SIZE)
    names = {p.key: p.name for p in queries.list_procedures(ctx)}
    last_page = max(1, -(-page.total // page.page_size))
    return render_template(
        "workspace/counter_home.html", page=page, names=names, last_page=last_page
    )


@blp.route("/mot-cua/tiep-nhan", methods=["GET", "POST"])
@accepts_files(MAX_SCANS)
@login_required(Role.RECEPTION)
def counter_register() -> str | tuple[str, int] | Response:
    """Choose the procedure, then fill its submission form for the applicant and attach the
    scanned documents; registering gives the dossier its code (status 1)."""
    ctx = engine()
    key = request.args.get("thu-tuc", "").strip()[:100]
    procedures = queries.list_procedures(ctx)
    if key not in {p.key for p in procedures}:
        status = 404 if key else 200
        page = render_template(
            "workspace/counter_choose.html",
            choices=[(p.key, p.name) for p in procedures],
            unknown=bool(key),
        )
        return page, status
    procedure = queries.get_procedure(ctx, key)
    schema_form = SchemaForm(procedure.submission_form or {"type": "object"})
    if request.method == "GET":
        # One key per registration page, kept through its corrections: a double click or a
        # reload of the posted page registers one dossier (engine.submission_keys).
        values = {"channel": "direct", "submission_key": secrets.token_urlsafe(16)}
        return _show(Registration(procedure, schema_form.blank(), values, FormErrors()))
    reg = Registration(
        procedure, schema_form.from_post(request.form), _posted_values(), FormErrors()
    )
    if reg.form.action is not None:  # "add a row" / "remove a row": show the form again
        return _show(reg)
    data, _field_errors = reg.form.submit()
    _check_applicant(reg)
    scans = _checked_scans(
        reg.errors, request.files.getlist("scans"), ctx.settings.upload_max_bytes
    )
    if reg.errors or reg.form.errors or reg.form.form_errors:
        return _show(reg, 422)
    actor = current_actor()
    assert actor is not None and actor.unit_code is not None
    command = SubmitDossier(
        procedure=procedure.key,
        unit=actor.unit_code,
        applicant=_applicant(reg),
        data=data,
        channel=reg.values["channel"],
        return_channel=reg.values.get("return_channel") or None,
        submission_key=reg.values["submission_key"] or None,
    )
    try:
        submitted = dossiers.submit_dossier_once(ctx, actor, command)
    except SubmissionKeyReusedError as error:  # back, changed, registered again
        return _registered_before(error.dossier_code)
    except ValidationFailedError as error:
        _engine_errors(reg, error)
        return _show(reg, 422)
    if not submitted.created:  # the scans came with the first post, which registered them
        return _registered_before(submitted.dossier.code)
    return _with_scans(submitted.dossier, scans)


def _with_scans(detail: DossierDetail, scans: list[tuple[str, bytes]]) -> Response:
    ctx = engine()
    actor = current_actor()
    assert actor is not None
    stored = 0
    for name, content in scans:
        try:
            files.upload_file(ctx, actor, detail.code, name, content)
            stored += 1
        except EngineError:  # checked above; a failure now is shown, the dossier stands
            flash(_("Không lưu được tệp %(name)s; hãy tải lại tệp này.", name=name), "error")
    flash(
        _(
            "Đã đăng ký hồ sơ %(code)s với %(n)s tệp đính kèm.",
            code=detail.code,
            n=stored,
        ),
        "success",
    )
    return redirect(url_for("workspace.counter_dossier", code=detail.code))


def _registered_before(code: str) -> Response:
    flash(
        _(
            "Trang đăng ký này đã đăng ký hồ sơ %(code)s; không đăng ký lại. Hãy kiểm tra "
            "các tệp đính kèm bên dưới; để đăng ký hồ sơ khác, hãy mở trang tiếp nhận mới.",
            code=code,
        ),
        "info",
    )
    return redirect(url_for("workspace.counter_dossier", code=code))


def _show(reg: Registration, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "workspace/counter_register.html",
        reg=reg,
        channels=[(code, _(label)) for code, label in CHANNELS],
        return_channels=[(code, _(label)) for code, label in RETURN_CHANNELS],
    )
    return page, status


def _posted_values() -> dict[str, str]:
    names = [f"applicant_{name}" for name, *_ in EMPLOYER_FIELDS + PERSON_FIELDS]
    values = {name: request.form.get(name, "").strip()[:400] for name in names}
    values["channel"] = request.form.get("channel", "")[:20]
    values["return_channel"] = request.form.get("return_channel", "")[:20]
    values["submission_key"] = request.form.get("submission_key", "")[:200]
    return values


def _check_applicant(reg: Registration) -> None:
    for name, label, required, max_length in reg.applicant_fields:
        field = f"applicant_{name}"
        value = reg.values.get(field, "")
        if required and not value:
            text = _(label)
            reg.errors.add(field, _("Nhập %(label)s", label=text[:1].lower() + text[1:]))
        elif len(value) > max_length:
            reg.errors.add(field, _("Tối đa %(n)s ký tự", n=max_length))
        elif value and name in PATTERNS and not PATTERNS[name][0].match(value.upper()):
            reg.errors.add(field, _(PATTERNS[name][1]))
    if reg.values["channel"] not in {code for code, _label in CHANNELS}:
        reg.errors.add("channel", _("Chọn hình thức nộp hồ sơ"))
    if reg.values["return_channel"] not in {"", *(code for code, _label in RETURN_CHANNELS)}:
        reg.errors.add("return_channel", _("Chọn hình thức nhận kết quả"))


def _checked_scans(
    errors: FormErrors, uploads: list[FileStorage], limit: int
) -> list[tuple[str, bytes]]:
    """The scanned files, each checked as the engine will check it (type by content, size)."""
    scans: list[tuple[str, bytes]] = []
    chosen = [u for u in uploads if u.filename]
    if len(chosen) > MAX_SCANS:
        errors.add("scans", _("Đính kèm tối đa %(n)s tệp mỗi lần", n=MAX_SCANS))
        return []
    for upload in chosen:
        name = upload.filename or ""
        content = upload.stream.read(limit + 1)
        if len(content) > limit:
            errors.add("scans", _("Tệp %(name)s lớn hơn giới hạn cho phép", name=name))
            continue
        try:
            checked_upload(name, content)
        except EngineError:
            errors.add(
                "scans", _("Tệp %(name)s không phải PDF, JPEG hoặc PNG, hoặc rỗng", name=name)
            )
            continue
        scans.append((name, content))
    return scans


def _applicant(reg: Registration) -> Applicant:
    found: dict[str, Any] = {
        name: reg.values.get(f"applicant_{name}") or None for name, *_ in reg.applicant_fields
    }
    if found.get("id_number"):
        found["id_number"] = str(found["id_number"]).upper()
    found["full_name"] = found.get("full_name") or ""
    return Applicant(kind=reg.procedure.applicant, **found)


def _engine_errors(reg: Registration, error: ValidationFailedError) -> None:
    """The engine's per-field errors, each next to its input."""
    data_errors: list[tuple[str, str]] = []
    for field_error in error.errors:
        path = field_error.field
        if path.startswith("applicant."):
            name = f"applicant_{path.removeprefix('applicant.').split('.')[0]}"
            known = name in reg.values
            reg.errors.add(name if known else "applicant_full_name", _("Giá trị không hợp lệ"))
        elif path.startswith("data"):
            data_errors.append((path, field_error.message))
        elif path in ("channel", "return_channel"):
            reg.errors.add(path, _("Giá trị không hợp lệ"))
        else:
            reg.form.form_errors.append(_("Hồ sơ chưa đăng ký được; kiểm tra lại thông tin."))
    reg.form.add_engine_errors(data_errors)
