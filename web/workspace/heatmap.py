"""The heatmap of a procedure (issue 16, docs/web.md): per step of its latest diagram, how many
dossiers are there now and the median and 90th percentile of the time completed steps took in
a chosen period, coloured by the 90th percentile. The figures are GET
/api/v1/reports/timeliness's (engine.services.reports.read_step_timeliness, so the read is
logged). Without JavaScript: the server's SVG and the same figures as a table; with it, bpmn-js
draws the diagram and web/static/js/diagram.js puts each row's figures on its step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template, request

from engine.errors import ValidationFailedError
from engine.queries import definitions as queries
from engine.queries.diagram_views import version_diagram
from engine.queries.step_timeliness import (
    StepTimeliness,
    TimelinessQuery,
    TimelinessReport,
    default_period,
)
from engine.security.authz import Role
from engine.services.reports import read_step_timeliness
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.workspace.analyst import blp

#: Who sees the heatmap of every unit (leaders read theirs through the reports).
HEATMAP_READERS = (Role.ANALYST, Role.ADMIN, Role.AUDITOR)
#: Colour classes, coolest first: a step's class is its p90's share of the slowest step's.
HEAT_LEVELS = 5


@dataclass(frozen=True, slots=True)
class HeatRow:
    step: StepTimeliness
    #: 0 (no completed step, or the fastest) to HEAT_LEVELS - 1 (the slowest).
    level: int


@blp.get("/<string:key>/ban-do-nhiet")
@login_required(*HEATMAP_READERS)
def heatmap(key: str) -> str | tuple[str, int]:
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    latest = queries.list_versions(ctx, actor, key)[-1]
    picture = version_diagram(ctx, actor, key, latest.version)
    default_start, default_end = default_period(ctx)
    start, start_error = _day("tu", default_start)
    end, end_error = _day("den", default_end)
    errors = [(name, message) for name, message in (start_error, end_error) if message]
    report: TimelinessReport | None = None
    if not errors:
        try:
            report = read_step_timeliness(ctx, actor, TimelinessQuery(key, start, end))
        except ValidationFailedError as error:
            fields = {"from": "tu", "to": "den"}
            errors = [(fields.get(e.field, "tu"), _period_message(e.field)) for e in error.errors]
    page = render_template(
        "workspace/analyst/heatmap.html",
        key=key,
        summary=latest,
        picture=picture,
        start=request.args.get("tu", start.isoformat()),
        end=request.args.get("den", end.isoformat()),
        errors=errors,
        rows=_rows(report) if report else [],
        report=report,
    )
    return (page, 422) if errors else page


def _rows(report: TimelinessReport) -> list[HeatRow]:
    slowest = max((s.p90_hours or 0.0 for s in report.steps), default=0.0)
    rows = []
    for step in report.steps:
        if not step.p90_hours or slowest <= 0:
            level = 0
        else:
            level = min(HEAT_LEVELS - 1, int(step.p90_hours / slowest * HEAT_LEVELS))
        rows.append(HeatRow(step, level))
    return rows


def _day(name: str, default: date) -> tuple[date, tuple[str, str | None]]:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default, (name, None)
    try:
        return date.fromisoformat(raw), (name, None)
    except ValueError:
        return default, (name, _("Nhập ngày theo dạng năm-tháng-ngày, ví dụ 2026-03-31."))


def _period_message(field: str) -> str:
    if field == "to":
        return _("Ngày kết thúc phải sau ngày bắt đầu và cách không quá 366 ngày.")
    return _("Ngày nằm ngoài khoảng cho phép.")
