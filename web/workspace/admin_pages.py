"""Administrators' pages for units, calendar overrides and the outbox (Quản trị): the same engine
services as `/api/v1/admin/units`, `/api/v1/calendar/overrides` and `/api/v1/admin/outbox`.
Accounts and role grants are in `admin_users`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import ConflictError, DuplicateError, NotFoundError, ValidationFailedError
from engine.security.authz import Actor, Role
from engine.services import calendar as calendar_service
from engine.services import outbox, units
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.simple_forms import FormErrors
from web.workspace import blp
from web.workspace.query_args import bounded, page_number, parse_day

PAGE_SIZE = 20
MAX_UNIT_CODE = 40
MAX_UNIT_NAME = 200
DAY_KINDS = (("workday", "Ngày làm việc (làm bù)"), ("day_off", "Ngày nghỉ"))
OUTBOX_STATES = (("dead", "Đã dừng gửi"), ("pending", "Đang chờ gửi"), ("delivered", "Đã gửi"))


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None
    return actor


def _unit_name_error(errors: FormErrors, name: str) -> None:
    errors.check_text(
        "name",
        name,
        missing=_("Nhập tên đơn vị"),
        max_length=MAX_UNIT_NAME,
        too_long=_("Tên đơn vị dài tối đa %(n)s ký tự", n=MAX_UNIT_NAME),
    )


@blp.route("/quan-tri/don-vi", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def admin_units() -> str | tuple[str, int] | Response:
    """Units by code, and a form to add one (its code never changes)."""
    ctx = engine()
    errors = FormErrors()
    values = {"code": "", "name": ""}
    if request.method == "POST":
        values = {
            "code": bounded(request.form.get("code"), MAX_UNIT_CODE + 1),
            "name": bounded(request.form.get("name"), MAX_UNIT_NAME + 1),
        }
        errors.check_text(
            "code",
            values["code"],
            missing=_("Nhập mã đơn vị, ví dụ 000.00.07.H29"),
            max_length=MAX_UNIT_CODE,
            too_long=_("Mã đơn vị dài tối đa %(n)s ký tự", n=MAX_UNIT_CODE),
        )
        _unit_name_error(errors, values["name"])
        if not errors:
            try:
                units.create_unit(ctx, _actor(), values["code"], values["name"])
            except ValidationFailedError as exc:
                for error in exc.errors:
                    field = "name" if error.field == "name" else "code"
                    errors.add(
                        field,
                        _("Mã đơn vị chỉ gồm chữ, số và dấu chấm, ví dụ 000.00.07.H29")
                        if field == "code"
                        else _("Tên đơn vị không hợp lệ"),
                    )
            except DuplicateError:
                errors.add("code", _("Đã có đơn vị với mã này"))
            else:
                flash(_("Đã thêm đơn vị %(c)s.", c=values["code"]), "success")
                return redirect(url_for("workspace.admin_units"))
    listed = units.list_units(ctx, _actor(), page_number(request.args.get("trang")), PAGE_SIZE)
    page = render_template(
        "workspace/admin/units.html", listed=listed, values=values, errors=errors
    )
    return page, 422 if errors else 200


@blp.route("/quan-tri/don-vi/<string:code>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def admin_unit(code: str) -> str | tuple[str, int] | Response:
    """Rename a unit (the API allows nothing else: the code is in every dossier code)."""
    ctx = engine()
    unit = units.get_unit(ctx, _actor(), code[:MAX_UNIT_CODE])
    errors = FormErrors()
    values = {"name": unit.name}
    if request.method == "POST":
        values = {"name": bounded(request.form.get("name"), MAX_UNIT_NAME + 1)}
        _unit_name_error(errors, values["name"])
        if not errors:
            try:
                units.rename_unit(ctx, _actor(), unit.code, values["name"])
            except ValidationFailedError:
                errors.add("name", _("Tên đơn vị không hợp lệ"))
            else:
                flash(_("Đã đổi tên đơn vị %(c)s.", c=unit.code), "success")
                return redirect(url_for("workspace.admin_units"))
    page = render_template("workspace/admin/unit.html", unit=unit, values=values, errors=errors)
    return page, 422 if errors else 200


@blp.route("/quan-tri/lich", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def admin_calendar() -> str | tuple[str, int] | Response:
    """Calendar overrides: a day made a working day or a day off, with a note; add, remove."""
    ctx = engine()
    errors = FormErrors()
    values = {"day": "", "kind": "", "note": ""}
    if request.method == "POST":
        values = {
            "day": bounded(request.form.get("day"), 20),
            "kind": bounded(request.form.get("kind"), 20),
            "note": bounded(request.form.get("note"), calendar_service.MAX_NOTE + 1),
        }
        day = parse_day(values["day"])
        if day is None:
            errors.add("day", _("Nhập ngày dạng ngày/tháng/năm"))
        elif not calendar_service.MIN_YEAR <= day.year <= calendar_service.MAX_YEAR:
            errors.add(
                "day",
                _(
                    "Chọn một ngày trong các năm %(a)s–%(b)s",
                    a=calendar_service.MIN_YEAR,
                    b=calendar_service.MAX_YEAR,
                ),
            )
        if values["kind"] not in dict(DAY_KINDS):
            errors.add("kind", _("Chọn ngày làm việc hoặc ngày nghỉ"))
        if len(values["note"]) > calendar_service.MAX_NOTE:
            errors.add("note", _("Ghi chú dài tối đa %(n)s ký tự", n=calendar_service.MAX_NOTE))
        if not errors and day is not None:
            try:
                calendar_service.set_override(ctx, _actor(), day, values["kind"], values["note"])
            except ValidationFailedError:
                errors.add("day", _("Ngày hoặc loại ngày không hợp lệ"))
            else:
                flash(_("Đã lưu điều chỉnh ngày %(d)s.", d=day.strftime("%d/%m/%Y")), "success")
                return redirect(url_for("workspace.admin_calendar"))
    overrides = sorted(calendar_service.list_overrides(ctx), key=lambda o: o.day, reverse=True)
    page = render_template(
        "workspace/admin/calendar.html",
        overrides=overrides,
        values=values,
        errors=errors,
        day_kinds=DAY_KINDS,
    )
    return page, 422 if errors else 200


@blp.post("/quan-tri/lich/<string:day>/xoa")
@login_required(Role.ADMIN)
def admin_calendar_remove(day: str) -> Response:
    """Remove a day's override: the calendar data and the weekday decide again."""
    found = parse_day(day[:20])
    try:
        if found is None:
            raise NotFoundError(day)
        calendar_service.remove_override(engine(), _actor(), found)
    except NotFoundError:
        flash(_("Ngày này không có điều chỉnh."), "info")
    else:
        flash(_("Đã bỏ điều chỉnh ngày %(d)s.", d=found.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("workspace.admin_calendar"))


@blp.get("/quan-tri/hop-thu-di")
@login_required(Role.ADMIN)
def admin_outbox() -> str:
    """Messages to other systems; by default the parked (dead) ones, each with a retry."""
    state = bounded(request.args.get("trang_thai"), 20) or "dead"
    if state not in dict(OUTBOX_STATES):
        state = "dead"
    listed = outbox.list_messages(
        engine(),
        _actor(),
        state=state,
        destination=None,
        page=page_number(request.args.get("trang")),
        page_size=PAGE_SIZE,
    )
    return render_template(
        "workspace/admin/outbox.html", listed=listed, state=state, states=OUTBOX_STATES
    )


@blp.post("/quan-tri/hop-thu-di/<int(max=2147483647):message_id>/gui-lai")
@login_required(Role.ADMIN)
def admin_outbox_retry(message_id: int) -> Response:
    """Deliver a parked message again now (audited on the dossier's chain)."""
    try:
        outbox.retry(engine(), _actor(), message_id)
    except ConflictError:
        flash(_("Tin này đã được gửi; không cần gửi lại."), "info")
    else:
        flash(_("Đã đưa tin số %(n)s vào hàng gửi lại.", n=message_id), "success")
    return redirect(url_for("workspace.admin_outbox"))
