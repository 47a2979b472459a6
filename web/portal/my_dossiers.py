"""Hồ sơ của tôi: the signed-in applicant's dossiers (list) and one dossier (detail: status,
public timeline, the documents they are entitled to, and what they can do next: supplement,
withdraw, rate). Every read is the API's: `queries.list_dossiers`, `queries.get_dossier` (the
applicant view of `GET /dossiers/{code}`), `documents.list_documents` / `read_document` (as
`GET /dossiers/{code}/documents[/{id}]`).

Only the owner opens a dossier's pages: another account gets the same 404 as a dossier that
does not exist, so a page never tells a stranger that a code is in use.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, render_template, request, send_file
from werkzeug.wrappers import Response

from engine.errors import PermissionDeniedError
from engine.event_types import SATISFACTION_CRITERIA, SATISFACTION_LEVELS
from engine.queries import dossiers as queries
from engine.queries.applicant_history import ApplicantHistory, applicant_history
from engine.results import DossierDetail, DossierSummary
from engine.security.authz import Actor, Role
from engine.services import documents
from engine.services.closures import WITHDRAWABLE
from engine.services.documents import IssuedDocument
from engine.statuses import DossierStatus
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.portal import blp
from web.portal.timeline import channel_name, latest_request, timeline
from web.simple_forms import FormErrors

PAGE_SIZE = 20
#: Statuses whose appointment no longer binds anything: resolved or closed.
SETTLED = frozenset(
    {
        DossierStatus.NOT_ACCEPTED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RESOLVED,
        DossierStatus.RETURNED,
    }
)
#: The documents of record an applicant receives (Circular 03/2025): receipt, supplement
#: request, refusal, apology, stop notice, and the results. Mẫu 06 and 07 are the office's.
OFFICE_FORMS = frozenset({"06", "07"})
CRITERIA_NAMES = {
    "overall": "Mức độ hài lòng chung",
    "convenience": "Sự thuận tiện khi thực hiện thủ tục",
    "timeliness": "Thời gian giải quyết",
    "staff_attitude": "Thái độ của cán bộ",
}
LEVEL_NAMES = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "not_satisfied": "Không hài lòng",
}


@dataclass(frozen=True, slots=True)
class ListedDossier:
    dossier: DossierSummary
    overdue: bool


def is_overdue(status: int, due_at: datetime | None, now: datetime) -> bool:
    """Past its appointment and still being handled (a resolved dossier's timeliness is in its
    detail; a closed one's appointment no longer binds)."""
    return due_at is not None and due_at < now and DossierStatus(status) not in SETTLED


def applicant() -> Actor:
    actor = current_actor()
    assert actor is not None  # login_required ran first
    return actor


@contextmanager
def owner_only() -> Iterator[None]:
    """Someone else's dossier reads as no dossier at all (404, never 403)."""
    try:
        yield
    except PermissionDeniedError:
        abort(404)


@blp.get("/ho-so-cua-toi")
@login_required(Role.CITIZEN)
def my_dossiers() -> str | Response:
    """The signed-in citizen's dossiers, newest first, with their DVCQG status."""
    ctx = engine()
    page_number = request.args.get("trang", "1")
    page_number_int = int(page_number) if page_number.isdigit() and len(page_number) < 7 else 1
    page = queries.list_dossiers(ctx, applicant(), page_number_int, PAGE_SIZE)
    names = {p.key: p.name for p in queries.list_procedures(ctx)}
    last_page = max(1, -(-page.total // page.page_size))
    now = ctx.clock.now()
    rows = [ListedDossier(d, is_overdue(d.status.code, d.due_at, now)) for d in page.items]
    return render_template(
        "portal/my_dossiers.html", page=page, rows=rows, names=names, last_page=last_page
    )


@blp.get("/ho-so-cua-toi/<string:code>")
@login_required(Role.CITIZEN)
def dossier(code: str) -> Any:
    """One dossier as its applicant sees it."""
    return detail_page(code)


def detail_page(
    code: str,
    *,
    rating_errors: FormErrors | None = None,
    rating_values: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    """The detail page; the rating form posts back to it with its errors."""
    ctx = engine()
    actor = applicant()
    with owner_only():
        detail = queries.get_dossier(ctx, actor, code)
        history = applicant_history(ctx, actor, code)
        issued = documents.list_documents(ctx, actor, code)
    page = render_template(
        "portal/dossier.html",
        detail=detail,
        history=history,
        items=timeline(detail, history),
        documents=entitled(issued),
        request_notice=latest_request(detail),
        channel=channel_name(detail.channel),
        overdue=is_overdue(detail.status.code, detail.due_at, ctx.clock.now()),
        may_withdraw=may_withdraw(detail),
        may_supplement=detail.status.code == DossierStatus.SUPPLEMENT_REQUESTED,
        rating=rating_state(detail, history),
        rating_errors=rating_errors or FormErrors(),
        rating_values=rating_values or {},
        criteria=CRITERIA_NAMES,
        levels=[(level, _(LEVEL_NAMES[level])) for level in SATISFACTION_LEVELS],
    )
    return (page, status) if status != 200 else page


def entitled(issued: list[IssuedDocument]) -> list[IssuedDocument]:
    return [d for d in issued if d.form not in OFFICE_FORMS and d.sha256 is not None]


def may_withdraw(detail: DossierDetail) -> bool:
    return DossierStatus(detail.status.code) in WITHDRAWABLE


@dataclass(frozen=True, slots=True)
class RatingState:
    #: The form is shown: the result was returned and some criterion is not rated yet.
    open: bool
    #: Criteria still to rate, in the order of R-2.7.
    remaining: list[str]
    #: What was given (criterion -> level), shown read-only.
    given: dict[str, str]
    comments: list[str]


def rating_state(detail: DossierDetail, history: ApplicantHistory) -> RatingState:
    given = dict(history.rating.ratings) if history.rating else {}
    remaining = [c for c in SATISFACTION_CRITERIA if c not in given]
    returned = detail.status.code == DossierStatus.RETURNED
    comments = list(history.rating.comments) if history.rating else []
    return RatingState(returned and bool(remaining), remaining, given, comments)


@blp.get("/ho-so-cua-toi/<string:code>/giay-to/<int(max=2147483647):document_id>")
@login_required(Role.CITIZEN)
def document(code: str, document_id: int) -> Response:
    """One document of record as its signed PDF, exactly as issued."""
    with owner_only():
        found = documents.read_document(engine(), applicant(), code, document_id, html=False)
    if found.document.form in OFFICE_FORMS:
        abort(404)
    response = send_file(
        io.BytesIO(found.content),
        mimetype=found.media_type,
        as_attachment=True,
        download_name=found.filename,
    )
    response.set_etag(found.document.sha256 or "")
    return response
