"""The One-Stop workspace (Hệ thống thông tin một cửa điện tử): pages for officers, leaders,
auditors, analysts and administrators, under `/can-bo` (issue 16).

Built so far: the signed-in landing page. New pages register here and add themselves to the
workspace navigation (web/navigation.py).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from engine.queries import dossiers as queries
from engine.services import units
from web.auth.session import WORKSPACE_ROLES, current_actor, login_required
from web.context import engine
from web.workspace import analyst, heatmap  # noqa: F401 (heatmap adds its page to analyst.blp)

blp = Blueprint("workspace", __name__, url_prefix="/can-bo")
blp.register_blueprint(analyst.blp)  # /can-bo/quy-trinh: the analysts' pages (with heatmap)


@blp.get("")
@login_required(*WORKSPACE_ROLES)
def home() -> str:
    """Who is signed in, in which unit and roles, and how much work waits for them."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    open_tasks = None
    unit_name = None
    if actor.is_officer and actor.unit_code is not None:
        open_tasks = queries.inbox(ctx, actor, page_size=1).total
        unit_name = next((u.name for u in units.all_units(ctx) if u.code == actor.unit_code), None)
    return render_template(
        "workspace/home.html", actor=actor, open_tasks=open_tasks, unit_name=unit_name
    )


# Pages of other modules register on `blp` (imported last: they import it from here).
from web.workspace import (  # noqa: E402, F401
    admin_pages,
    admin_users,
    audit_pages,
    counter,
    counter_dossier,
    inbox,
    leader,
    task_actions,
    task_page,
)
