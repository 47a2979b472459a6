"""Auditors' pages (Kiểm tra): search dossiers, a dossier's timeline, replay to any event,
verify one dossier or the whole log, download a dossier's signed bundle, and browse the system
chain. The same engine services as `/api/v1/audit` (auditors and administrators, as the engine
allows); each read of a dossier is logged by the engine.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, render_template, request

from engine.errors import ValidationFailedError
from engine.queries import audit_browse
from engine.queries import dossiers as dossier_queries
from engine.queries.audit_browse import SYSTEM_EVENT_GROUPS, DossierFilter, SystemEventFilter
from engine.security.authz import Role
from engine.services import audit, audit_dossiers, units
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.simple_forms import FormErrors
from web.workspace import blp
from web.workspace.query_args import bounded, day_after, day_start, page_number, read_day

AUDITOR_ROLES = (Role.AUDITOR, Role.ADMIN)
PAGE_SIZE = 20
TIMELINE_PAGE_SIZE = 50
MAX_CODE = 60
#: Verifying the whole log in a web request reads every event; above this many the page says to
#: run `motcua audit verify` (a progress bar, no request timeout) instead of tying up a worker.
#: Measured (bench/audit.py --events 100000, SQLite, this shared two-core machine under load):
#: 99,996 events verified in 11.5 s, about 8,700 a second, so the bound is about 2-3 s.
WEB_VERIFY_MAX_EVENTS = 20_000
GROUP_LABELS = {
    "login": "Đăng nhập",
    "user": "Tài khoản và vai trò",
    "unit": "Đơn vị",
    "webhook": "Webhook",
    "deployment": "Triển khai quy trình",
    "calendar": "Lịch làm việc",
    "audit": "Kiểm tra và báo cáo",
}
EVENT_LABELS = {
    "login_succeeded": "Đăng nhập",
    "webhook_registered": "Đăng ký webhook",
    "webhook_disabled": "Tắt webhook",
    "webhook_deleted": "Xoá webhook",
    "login_failed": "Đăng nhập sai",
    "login_locked": "Khoá đăng nhập",
    "login_unlocked": "Mở khoá đăng nhập",
    "user_created": "Tạo tài khoản",
    "user_updated": "Sửa tài khoản",
    "user_activated": "Kích hoạt tài khoản",
    "user_deactivated": "Khoá tài khoản",
    "role_grant_requested": "Đề nghị cấp vai trò",
    "role_grant_approved": "Duyệt cấp vai trò",
    "role_grant_rejected": "Từ chối cấp vai trò",
    "unit_created": "Tạo đơn vị",
    "unit_renamed": "Đổi tên đơn vị",
    "definition_deployed": "Triển khai quy trình",
    "calendar_version_registered": "Đăng ký dữ liệu lịch",
    "calendar_override_set": "Điều chỉnh ngày làm việc",
    "calendar_override_removed": "Bỏ điều chỉnh ngày làm việc",
    "audit_verified": "Xác minh nhật ký",
    "tracking_book_read": "Xem sổ theo dõi",
    "report_read": "Xem báo cáo",
}
PROBLEM_LABELS = {
    "modified": "Sự kiện bị sửa",
    "missing": "Thiếu sự kiện",
    "inserted": "Sự kiện bị chèn",
    "reordered": "Sự kiện sai thứ tự",
    "truncated": "Chuỗi bị cắt",
    "chain_missing": "Mất chuỗi",
    "chain_forged": "Chuỗi giả mạo",
    "checkpoint_invalid": "Điểm kiểm tra không hợp lệ",
    "replay_mismatch": "Dựng lại không khớp dữ liệu lưu",
}


@blp.app_template_filter("readable_json")
def readable_json(value: Any) -> str:
    """Data as JSON an auditor reads: Vietnamese letters as they are, keys in order."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _context() -> dict[str, object]:
    return {
        "group_labels": GROUP_LABELS,
        "event_labels": EVENT_LABELS,
        "problem_labels": PROBLEM_LABELS,
    }


@blp.get("/kiem-tra")
@login_required(*AUDITOR_ROLES)
def audit_search() -> tuple[str, int]:
    """Every unit's dossiers by code prefix, procedure, unit and submission period."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    args = request.args
    values = {
        "ma": bounded(args.get("ma"), MAX_CODE).upper(),
        "thu_tuc": bounded(args.get("thu_tuc"), 100),
        "don_vi": bounded(args.get("don_vi"), 40),
        "tu_ngay": bounded(args.get("tu_ngay"), 20),
        "den_ngay": bounded(args.get("den_ngay"), 20),
    }
    errors = FormErrors()
    since = read_day(errors, "tu_ngay", values["tu_ngay"], _("Nhập ngày dạng ngày/tháng/năm"))
    until = read_day(errors, "den_ngay", values["den_ngay"], _("Nhập ngày dạng ngày/tháng/năm"))
    if since and until and until < since:
        errors.add("den_ngay", _("“Đến ngày” phải sau hoặc bằng “Từ ngày”"))
    procedures = dossier_queries.list_procedures(ctx)
    unit_list = units.all_units(ctx)
    if values["thu_tuc"] and values["thu_tuc"] not in {p.key for p in procedures}:
        errors.add("thu_tuc", _("Chọn một thủ tục trong danh sách"))
    if values["don_vi"] and values["don_vi"] not in {u.code for u in unit_list}:
        errors.add("don_vi", _("Chọn một đơn vị trong danh sách"))
    found = None
    if not errors:
        flt = DossierFilter(
            code_prefix=values["ma"] or None,
            procedure=values["thu_tuc"] or None,
            unit_code=values["don_vi"] or None,
            since=day_start(since, ctx.tz),
            before=day_after(until, ctx.tz),
        )
        found = audit_browse.search_dossiers(
            ctx, actor, flt, page_number(args.get("trang")), PAGE_SIZE
        )
    page = render_template(
        "workspace/audit/search.html",
        values=values,
        errors=errors,
        found=found,
        procedures=procedures,
        units=unit_list,
        names={p.key: p.name for p in procedures},
        filters={k: v for k, v in values.items() if v},
    )
    return page, 422 if errors else 200


@blp.get("/kiem-tra/ho-so/<string:code>")
@login_required(*AUDITOR_ROLES)
def audit_timeline(code: str) -> str:
    """The dossier's events in order, each with whether its hash and link hold."""
    actor = current_actor()
    assert actor is not None
    code = code[:MAX_CODE]
    timeline = audit_dossiers.dossier_timeline(
        engine(), actor, code, page_number(request.args.get("trang")), TIMELINE_PAGE_SIZE
    )
    return render_template("workspace/audit/timeline.html", code=code, timeline=timeline)


@blp.get("/kiem-tra/ho-so/<string:code>/dung-lai")
@login_required(*AUDITOR_ROLES)
def audit_replay(code: str) -> tuple[str, int]:
    """The dossier as it was at event `den`: status, open steps, process data."""
    actor = current_actor()
    assert actor is not None
    code = code[:MAX_CODE]
    text = bounded(request.args.get("den"), 10)
    errors = FormErrors()
    until = None
    if text:
        if text.isdigit() and int(text) >= 1:
            until = int(text)
        else:
            errors.add("den", _("Nhập số thứ tự sự kiện (số nguyên từ 1)"))
    result = None
    if not errors:
        try:
            result = audit_dossiers.replay_dossier(engine(), actor, code, until)
        except ValidationFailedError as exc:
            detail = exc.errors[0].message if exc.errors else ""
            last = detail.rsplit(" ", 1)[-1]
            errors.add("den", _("Hồ sơ có các sự kiện từ 1 đến %(n)s", n=last))
    page = render_template(
        "workspace/audit/replay.html", code=code, until=text, errors=errors, result=result
    )
    return page, 422 if errors else 200


@blp.post("/kiem-tra/ho-so/<string:code>/xac-minh")
@login_required(*AUDITOR_ROLES)
def audit_verify_dossier(code: str) -> str:
    """Verify one dossier's chain and replay it against the stored state."""
    actor = current_actor()
    assert actor is not None
    code = code[:MAX_CODE]
    report = audit.verify_audit_log(engine(), actor, dossier=code, replay=True)
    return render_template("workspace/audit/verified.html", code=code, report=report, **_context())


@blp.get("/kiem-tra/ho-so/<string:code>/goi-kiem-tra")
@login_required(*AUDITOR_ROLES)
def audit_bundle(code: str) -> Response:
    """The dossier's signed bundle (`motcua audit verify-bundle FILE` checks it offline)."""
    actor = current_actor()
    assert actor is not None
    code = code[:MAX_CODE]
    bundle = audit_dossiers.export_dossier(engine(), actor, code)
    name = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in code)
    return Response(
        bundle,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


@blp.route("/kiem-tra/xac-minh", methods=["GET", "POST"])
@login_required(*AUDITOR_ROLES)
def audit_verify_all() -> tuple[str, int]:
    """Verify every chain and checkpoint, when the log is small enough for one request."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    events = audit_browse.count_events(ctx, actor)
    too_large = events > WEB_VERIFY_MAX_EVENTS
    report = None
    status = 200
    if request.method == "POST":
        if too_large:
            status = 413
        else:
            report = audit.verify_audit_log(ctx, actor)
    page = render_template(
        "workspace/audit/verify_all.html",
        events=f"{events:,}".replace(",", "."),
        limit=f"{WEB_VERIFY_MAX_EVENTS:,}".replace(",", "."),
        too_large=too_large,
        report=report,
        **_context(),
    )
    return page, status


@blp.get("/kiem-tra/nhat-ky-he-thong")
@login_required(*AUDITOR_ROLES)
def audit_system_chain() -> tuple[str, int]:
    """The system chain: logins, accounts and roles, units, deployments, calendar, audits."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    args = request.args
    values = {
        "nhom": bounded(args.get("nhom"), 20),
        "nguoi": bounded(args.get("nguoi"), 80),
        "tu_ngay": bounded(args.get("tu_ngay"), 20),
        "den_ngay": bounded(args.get("den_ngay"), 20),
    }
    errors = FormErrors()
    if values["nhom"] and values["nhom"] not in SYSTEM_EVENT_GROUPS:
        errors.add("nhom", _("Chọn một loại sự kiện trong danh sách"))
    since = read_day(errors, "tu_ngay", values["tu_ngay"], _("Nhập ngày dạng ngày/tháng/năm"))
    until = read_day(errors, "den_ngay", values["den_ngay"], _("Nhập ngày dạng ngày/tháng/năm"))
    if since and until and until < since:
        errors.add("den_ngay", _("“Đến ngày” phải sau hoặc bằng “Từ ngày”"))
    found = None
    if not errors:
        flt = SystemEventFilter(
            group=values["nhom"] or None,
            actor_prefix=values["nguoi"] or None,
            since=day_start(since, ctx.tz),
            before=day_after(until, ctx.tz),
        )
        found = audit_browse.system_events(
            ctx, actor, flt, page_number(args.get("trang")), TIMELINE_PAGE_SIZE
        )
    page = render_template(
        "workspace/audit/system_chain.html",
        values=values,
        errors=errors,
        found=found,
        filters={k: v for k, v in values.items() if v},
        **_context(),
    )
    return page, 422 if errors else 200
