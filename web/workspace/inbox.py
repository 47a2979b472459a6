"""Hộp công việc: the open tasks of the officer's roles in the officer's unit, with filters,
orders, pages and counts (engine.queries.inbox, the rules of `GET /api/v1/tasks`).

Without JavaScript it is a GET form and links; with htmx the results refresh themselves every
30 seconds (only the results are fetched: `HX-Target` names them) and the claim and release
buttons swap their row in place (web/workspace/task_actions.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import render_template, request

from engine.queries import inbox as queries
from engine.queries.inbox import Deadline, InboxRequest, InboxRow
from engine.security.authz import OFFICER_ROLES
from engine.statuses import DossierStatus
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.workspace import blp

RESULTS_ID = "ket-qua-hop-cong-viec"
#: Query parameter -> the value the engine understands, for each filter (Vietnamese addresses).
ASSIGNEES = {"cua-toi": "me", "chua-nhan": "none"}
DEADLINES = {
    "qua-han": Deadline.OVERDUE,
    "sap-den-han": Deadline.DUE_SOON,
    "trong-han": Deadline.ON_TIME,
}
SORTS = {"mo": "created", "han-buoc": "step_due", "hen-tra": "appointment", "ma": "code"}
PAGE_SIZE = 20
#: Statuses a dossier with an open task can have.
OPEN_STATUSES = (
    DossierStatus.SUBMITTED,
    DossierStatus.ACCEPTED,
    DossierStatus.IN_PROCESS,
    DossierStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.FINANCIAL_OBLIGATION,
    DossierStatus.RESOLVED,
)


def deadline_labels() -> dict[str, str]:
    return {
        Deadline.ON_TIME: _("Trong hạn"),
        Deadline.DUE_SOON: _("Sắp đến hạn"),
        Deadline.OVERDUE: _("Quá hạn"),
        Deadline.NONE: _("Không có hạn"),
    }


def read_filters(args: Any) -> tuple[InboxRequest, dict[str, str]]:
    """The engine's request and the filters as given (unknown values are ignored, never an
    error: the address is the officer's to edit)."""
    given = {
        key: str(args.get(key, ""))[:100]
        for key in ("nguoi-xu-ly", "thu-tuc", "trang-thai", "han", "sap-xep", "thu-tu")
    }
    status = given["trang-thai"]
    try:
        page = max(int(str(args.get("trang", "1"))[:6]), 1)
    except ValueError:
        page = 1
    inbox_request = InboxRequest(
        assignee=ASSIGNEES.get(given["nguoi-xu-ly"]),
        procedure=given["thu-tuc"] or None,
        status=int(status) if status.isdigit() and int(status) in set(DossierStatus) else None,
        deadline=DEADLINES.get(given["han"]),
        sort=SORTS.get(given["sap-xep"], "created"),
        descending=given["thu-tu"] == "giam",
        page=page,
        page_size=PAGE_SIZE,
    )
    return inbox_request, {key: value for key, value in given.items() if value}


def inbox_url(filters: dict[str, str], **changes: Any) -> str:
    """The inbox's address with `filters` and `changes` (None removes a parameter)."""
    merged: dict[str, Any] = {**filters, **changes}
    query = {key: value for key, value in merged.items() if value not in (None, "")}
    base = "/can-bo/hop-cong-viec"
    return f"{base}?{urlencode(query)}" if query else base


@blp.get("/hop-cong-viec")
@login_required(*OFFICER_ROLES)
def inbox() -> str:
    """The officer's inbox; with `HX-Target` naming the results, only the results."""
    actor = current_actor()
    assert actor is not None
    inbox_request, filters = read_filters(request.args)
    view = queries.officer_inbox(engine(), actor, inbox_request)
    last_page = max(1, -(-view.page.total // view.page.page_size))
    context = {
        "view": view,
        "filters": filters,
        "last_page": last_page,
        "inbox_url": inbox_url,
        "deadline_labels": deadline_labels(),
        "statuses": [(str(int(s)), s.label) for s in OPEN_STATUSES],
        "results_id": RESULTS_ID,
        "procedure_names": dict(view.procedures),
        "here": inbox_url(filters, trang=view.page.page if view.page.page > 1 else None),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == RESULTS_ID:
        return render_template("workspace/inbox_results.html", **context)
    return render_template("workspace/inbox.html", **context)


def find_row(task_id: str, dossier_code: str) -> tuple[InboxRow | None, dict[str, str]]:
    """The inbox row of one task, as the signed-in officer sees it now (None: not in the inbox
    any more), and the procedures' names."""
    actor = current_actor()
    assert actor is not None
    view = queries.officer_inbox(engine(), actor, InboxRequest(dossier=dossier_code, page_size=100))
    row = next((row for row in view.page.items if row.task.id == task_id), None)
    return row, dict(view.procedures)
