"""Administrators' pages for user accounts (Quản trị › Người dùng): list and search, create with
roles and unit, change name/roles/unit, deactivate, activate, unlock, and the two-person role
grants (auditor, admin) a second administrator approves. The same engine services as
`/api/v1/admin/users` and `/api/v1/admin/role-grants`.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import ConflictError, DuplicateError, FieldError, ValidationFailedError
from engine.security.authz import ALL_ROLES, SECOND_ADMIN_ROLES, UNIT_ROLES, Actor, Role
from engine.services import grants, units, users
from engine.services.users import NewUser, UserChanges
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.simple_forms import FormErrors
from web.workspace import blp
from web.workspace.query_args import bounded, page_number

PAGE_SIZE = 20
#: The order roles are offered in, officers first.
ROLE_ORDER = ("reception", "specialist", "leader", "auditor", "analyst", "admin", "citizen")
MAX_USERNAME = 80
MAX_NAME = 200
MIN_PASSWORD = 10
MAX_PASSWORD = 200


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None
    return actor


def _choices() -> dict[str, Any]:
    return {
        "role_order": ROLE_ORDER,
        "second_admin_roles": sorted(SECOND_ADMIN_ROLES),
        "unit_roles": sorted(UNIT_ROLES),
        "units": units.all_units(engine()),
    }


def field_message(error: FieldError) -> str:
    """An engine field error in Vietnamese, by field (its English text is not shown)."""
    if error.field == "username":
        return _("Tên đăng nhập dài 3–80 ký tự, chỉ gồm chữ, số và . _ @ -")
    if error.field == "password":
        return _("Mật khẩu dài ít nhất %(n)s ký tự", n=MIN_PASSWORD)
    if error.field == "full_name":
        return _("Nhập họ và tên (tối đa %(n)s ký tự)", n=MAX_NAME)
    if error.field in {"unit", "unit_code"}:
        if error.message.startswith("no unit"):
            return _("Chọn một đơn vị trong danh sách")
        if error.message.startswith("only"):
            return _("Chỉ cán bộ Một cửa, chuyên viên và lãnh đạo thuộc một đơn vị; bỏ chọn đơn vị")
        return _("Cán bộ Một cửa, chuyên viên và lãnh đạo phải thuộc một đơn vị")
    if error.field == "roles":
        if "role grant" in error.message:
            return _(
                "Vai trò Kiểm tra và Quản trị hệ thống cần quản trị viên thứ hai duyệt: "
                "dùng mục “Đề nghị cấp vai trò”"
            )
        if "citizen" in error.message:
            return _("Tài khoản công dân chỉ có vai trò công dân")
        return _("Chọn ít nhất một vai trò")
    if error.field == "reason":
        return _("Nhập lý do (tối đa %(n)s ký tự)", n=grants.MAX_REASON_LENGTH)
    if error.field == "role":
        return _("Chọn vai trò Kiểm tra hoặc Quản trị hệ thống")
    return _("Giá trị không hợp lệ")


def add_engine_errors(errors: FormErrors, exc: ValidationFailedError) -> None:
    for error in exc.errors:
        field = "unit_code" if error.field == "unit" else error.field
        errors.add(field, field_message(error))


def _read_account_form(errors: FormErrors, *, new: bool) -> dict[str, Any]:
    """The fields in the order of the page, so the error summary follows it."""
    form = request.form
    values: dict[str, Any] = {}
    if new:
        values["username"] = bounded(form.get("username"), MAX_USERNAME + 1)
        password = form.get("password", "")[: MAX_PASSWORD + 1]
        if not values["username"]:
            errors.add("username", _("Nhập tên đăng nhập"))
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            errors.add(
                "password", _("Mật khẩu dài %(a)s–%(b)s ký tự", a=MIN_PASSWORD, b=MAX_PASSWORD)
            )
        values["password"] = password
    values["full_name"] = bounded(form.get("full_name"), MAX_NAME + 1)
    values["roles"] = [r for r in form.getlist("roles") if r in ALL_ROLES][: len(ALL_ROLES)]
    values["unit_code"] = bounded(form.get("unit_code"), 40)
    if not values["full_name"] or len(values["full_name"]) > MAX_NAME:
        errors.add("full_name", _("Nhập họ và tên (tối đa %(n)s ký tự)", n=MAX_NAME))
    if not values["roles"]:
        errors.add("roles", _("Chọn ít nhất một vai trò"))
    return values


@blp.get("/quan-tri/nguoi-dung")
@login_required(Role.ADMIN)
def admin_users() -> str:
    """Accounts by username, filtered by username prefix, role, unit and whether active."""
    args = request.args
    filters = {
        "ten": bounded(args.get("ten"), MAX_USERNAME),
        "vai_tro": bounded(args.get("vai_tro"), 20),
        "don_vi": bounded(args.get("don_vi"), 40),
        "trang_thai": bounded(args.get("trang_thai"), 10),
    }
    active = {"hoat-dong": True, "da-khoa": False}.get(filters["trang_thai"])
    found = users.list_users(
        engine(),
        _actor(),
        unit_code=filters["don_vi"] or None,
        role=filters["vai_tro"] if filters["vai_tro"] in ALL_ROLES else None,
        active=active,
        username_prefix=filters["ten"] or None,
        page=page_number(args.get("trang")),
        page_size=PAGE_SIZE,
    )
    return render_template(
        "workspace/admin/users.html",
        found=found,
        values=filters,
        filters={k: v for k, v in filters.items() if v},
        **_choices(),
    )


@blp.route("/quan-tri/nguoi-dung/moi", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def admin_user_new() -> str | tuple[str, int] | Response:
    """Create an account; auditor and admin roles become requests a second admin approves."""
    errors = FormErrors()
    if request.method == "GET":
        values: dict[str, Any] = {"roles": [], "unit_code": ""}
        return render_template(
            "workspace/admin/user_new.html", values=values, errors=errors, **_choices()
        )
    values = _read_account_form(errors, new=True)
    if not errors:
        new = NewUser(
            username=values["username"],
            password=values["password"],
            full_name=values["full_name"],
            roles=tuple(values["roles"]),
            unit_code=values["unit_code"] or None,
        )
        try:
            created = users.create_user(engine(), _actor(), new)
        except ValidationFailedError as exc:
            add_engine_errors(errors, exc)
        except DuplicateError:
            errors.add("username", _("Tên đăng nhập này đã có người dùng"))
        else:
            flash(_("Đã tạo tài khoản %(u)s.", u=created.username), "success")
            withheld = sorted(set(values["roles"]) & SECOND_ADMIN_ROLES - set(created.roles))
            if withheld:
                flash(
                    _("Vai trò Kiểm tra / Quản trị hệ thống đang chờ quản trị viên thứ hai duyệt."),
                    "info",
                )
            return redirect(url_for("workspace.admin_user", username=created.username))
    values["password"] = ""  # never sent back into the page
    page = render_template(
        "workspace/admin/user_new.html", values=values, errors=errors, **_choices()
    )
    return page, 422


@blp.route("/quan-tri/nguoi-dung/<string:username>", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def admin_user(username: str) -> str | tuple[str, int] | Response:
    """One account: its state and lock, a form for name, roles and unit, and actions."""
    ctx = engine()
    actor = _actor()
    username = username[:MAX_USERNAME]
    account = users.get_user(ctx, actor, username)
    errors = FormErrors()
    values: dict[str, Any] = {
        "full_name": account.full_name,
        "roles": list(account.roles),
        "unit_code": account.unit_code or "",
    }
    if request.method == "POST":
        values = _read_account_form(errors, new=False)
        if not errors:
            changes = UserChanges(
                full_name=values["full_name"],
                roles=tuple(values["roles"]),
                unit_code=values["unit_code"] or None,
                set_unit=True,
            )
            try:
                users.update_user(ctx, actor, username, changes)
            except ValidationFailedError as exc:
                add_engine_errors(errors, exc)
            except ConflictError:
                errors.add(
                    "roles",
                    _(
                        "Không thể bỏ vai trò quản trị của chính mình hoặc tự cấp cho mình "
                        "vai trò đọc hồ sơ"
                    ),
                )
            else:
                flash(_("Đã lưu thay đổi của tài khoản %(u)s.", u=username), "success")
                return redirect(url_for("workspace.admin_user", username=username))
    page = render_template(
        "workspace/admin/user.html",
        account=account,
        values=values,
        errors=errors,
        pending=[g for g in _pending_grants() if g.username == username],
        **_choices(),
    )
    return page, 422 if errors else 200


def _pending_grants() -> list[Any]:
    return grants.list_grants(engine(), _actor(), "pending", 1, 100).items


ACCOUNT_ACTIONS = {
    "khoa": (
        users.deactivate_user,
        "Đã khoá tài khoản %(u)s.",
        "Bạn không thể khoá tài khoản của chính mình.",
    ),
    "mo-lai": (
        users.activate_user,
        "Đã kích hoạt lại tài khoản %(u)s.",
        "Không kích hoạt được tài khoản mẫu trong môi trường vận hành.",
    ),
    "mo-khoa-dang-nhap": (users.unlock_user, "Đã mở khoá đăng nhập của %(u)s.", ""),
}


@blp.post("/quan-tri/nguoi-dung/<string:username>/<string:action>")
@login_required(Role.ADMIN)
def admin_user_action(username: str, action: str) -> Response:
    """Deactivate (`khoa`), activate (`mo-lai`) or unlock the login (`mo-khoa-dang-nhap`)."""
    if action not in ACCOUNT_ACTIONS:
        return redirect(url_for("workspace.admin_users"))
    service, done, refused = ACCOUNT_ACTIONS[action]
    username = username[:MAX_USERNAME]
    try:
        service(engine(), _actor(), username)
    except ConflictError:
        flash(_(refused), "info")
    else:
        flash(_(done, u=username), "success")
    return redirect(url_for("workspace.admin_user", username=username))


@blp.route("/quan-tri/cap-vai-tro", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def admin_grants() -> str | tuple[str, int] | Response:
    """Role grant requests: ask for auditor/admin for an account; a second admin approves."""
    ctx = engine()
    actor = _actor()
    errors = FormErrors()
    values = {"username": "", "role": "", "reason": ""}
    if request.method == "POST":
        values = {
            "username": bounded(request.form.get("username"), MAX_USERNAME),
            "role": bounded(request.form.get("role"), 20),
            "reason": bounded(request.form.get("reason"), grants.MAX_REASON_LENGTH + 1),
        }
        if not values["username"]:
            errors.add("username", _("Nhập tên đăng nhập của tài khoản"))
        if values["role"] not in SECOND_ADMIN_ROLES:
            errors.add("role", _("Chọn vai trò Kiểm tra hoặc Quản trị hệ thống"))
        if not values["reason"] or len(values["reason"]) > grants.MAX_REASON_LENGTH:
            errors.add("reason", _("Nhập lý do (tối đa %(n)s ký tự)", n=grants.MAX_REASON_LENGTH))
        if not errors:
            try:
                grants.request_grant(
                    ctx, actor, values["username"], values["role"], values["reason"]
                )
            except ValidationFailedError as exc:
                add_engine_errors(errors, exc)
            except DuplicateError:
                errors.add("role", _("Đề nghị này đã có và đang chờ duyệt"))
            except ConflictError:
                errors.add(
                    "username",
                    _(
                        "Không đề nghị được: tài khoản của chính bạn, đã khoá, "
                        "hoặc đã có vai trò này"
                    ),
                )
            else:
                flash(_("Đã gửi đề nghị; một quản trị viên khác cần duyệt."), "success")
                return redirect(url_for("workspace.admin_grants"))
    page_no = page_number(request.args.get("trang"))
    listed = grants.list_grants(ctx, actor, None, page_no, PAGE_SIZE)
    page = render_template(
        "workspace/admin/grants.html",
        listed=listed,
        values=values,
        errors=errors,
        me=actor.username,
        second_admin_roles=sorted(SECOND_ADMIN_ROLES),
    )
    return page, 422 if errors else 200


@blp.post("/quan-tri/cap-vai-tro/<int(max=2147483647):grant_id>/<string:decision>")
@login_required(Role.ADMIN)
def admin_grant_decide(grant_id: int, decision: str) -> Response:
    """Approve (`duyet`) or reject (`tu-choi`) a pending request."""
    ctx = engine()
    try:
        if decision == "duyet":
            grants.approve_grant(ctx, _actor(), grant_id)
            flash(_("Đã duyệt đề nghị cấp vai trò."), "success")
        elif decision == "tu-choi":
            grants.reject_grant(ctx, _actor(), grant_id)
            flash(_("Đã từ chối đề nghị cấp vai trò."), "success")
    except ConflictError:
        flash(
            _(
                "Không duyệt được: người đề nghị hoặc người được cấp không thể tự duyệt, "
                "hoặc đề nghị không còn chờ duyệt."
            ),
            "info",
        )
    return redirect(url_for("workspace.admin_grants"))
