"""The leader's dashboard (điều hành đơn vị, issue 16): the unit's dossiers by DVCQG status, the
open steps of dossiers due within one working day or late with their officer, the open steps
each officer holds (and those nobody holds), the Mẫu 04 steps waiting; a claimed step released
back to the unit or given to another officer with the engine services behind
`POST /api/v1/tasks/{id}/release` and `/assign`."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import ConflictError, ValidationFailedError
from engine.queries import unit_overview
from engine.security.authz import Actor, Role
from engine.services import tasks, units
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.simple_forms import FormErrors
from web.workspace import blp

#: `?can-bo=` value naming the steps nobody holds.
NOBODY = "-"
MAX_USERNAME = 80
#: The page's tables that carry step actions (a step may be in two: each has its own inputs).
SECTIONS = ("den-han", "dang-mo", "mau-04")


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None
    return actor


def _holder() -> str:
    """Whose open steps the page lists: an officer's username, or NOBODY (the default)."""
    return request.values.get("can-bo", NOBODY).strip()[:MAX_USERNAME] or NOBODY


def _render(errors: FormErrors | None = None, status: int = 422) -> tuple[str, int]:
    ctx, actor = engine(), _actor()
    overview = unit_overview.unit_overview(ctx, actor)
    holder = _holder()
    page_arg = request.args.get("trang", "1")
    page_number = int(page_arg) if page_arg.isdigit() and len(page_arg) < 7 else 1
    steps, total = unit_overview.open_steps(
        ctx, actor, None if holder == NOBODY else holder, page_number
    )
    roles = {s.role for s in [*steps, *overview.attention, *overview.reappointments]}
    officers = {role: unit_overview.officers_for(ctx, actor, role) for role in roles}
    unit_name = next((u.name for u in units.all_units(ctx) if u.code == overview.unit_code), None)
    page = render_template(
        "workspace/leader_dashboard.html",
        overview=overview,
        unit_name=unit_name,
        steps=steps,
        steps_total=total,
        page_number=page_number,
        last_page=max(1, -(-total // unit_overview.PAGE_ROWS)),
        holder=holder,
        nobody=NOBODY,
        officers=officers,
        errors=errors or FormErrors(),
    )
    return page, status if errors else 200


def _dashboard_url() -> str:
    """Back to the dashboard, on the list the action was taken from."""
    query: dict[str, Any] = {"can-bo": _holder()}
    return url_for("workspace.leader_dashboard", **query)


@blp.get("/lanh-dao")
@login_required(Role.LEADER)
def leader_dashboard() -> tuple[str, int]:
    return _render()


@blp.post("/lanh-dao/cong-viec/<string:task_id>/tra-lai")
@login_required(Role.LEADER)
def leader_release(task_id: str) -> Response:
    """Give a claimed step back to the unit's pool, whoever holds it (recorded)."""
    try:
        summary = tasks.release_task(engine(), _actor(), task_id[:64])
    except ConflictError:
        flash(_("Bước này vừa được xử lý hoặc thay đổi; danh sách đã được cập nhật."), "error")
        return redirect(_dashboard_url())
    flash(
        _(
            "Đã trả bước %(step)s của hồ sơ %(code)s về đơn vị.",
            step=summary.name,
            code=summary.dossier_code,
        ),
        "success",
    )
    return redirect(_dashboard_url())


@blp.post("/lanh-dao/cong-viec/<string:task_id>/giao")
@login_required(Role.LEADER)
def leader_assign(task_id: str) -> tuple[str, int] | Response:
    """Give a step (claimed or not) to another officer of the unit with the step's role."""
    officer = request.form.get("officer", "").strip()[:MAX_USERNAME]
    errors = FormErrors()
    section = request.form.get("khu", "")
    field = f"{section if section in SECTIONS else 'dang-mo'}-officer-{task_id[:64]}"
    if not officer:
        errors.add(field, _("Chọn cán bộ nhận việc"))
        return _render(errors)
    try:
        summary = tasks.assign_task(engine(), _actor(), task_id[:64], officer)
    except ValidationFailedError:
        errors.add(
            field, _("Cán bộ này không xử lý được bước: không hoạt động, khác đơn vị hoặc vai trò")
        )
        return _render(errors)
    except ConflictError:
        errors.add(field, _("Bước này vừa được xử lý hoặc thay đổi; hãy xem lại danh sách"))
        return _render(errors, 409)
    flash(
        _(
            "Đã giao bước %(step)s của hồ sơ %(code)s cho %(officer)s.",
            step=summary.name,
            code=summary.dossier_code,
            officer=officer,
        ),
        "success",
    )
    return redirect(_dashboard_url())
