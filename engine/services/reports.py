"""The reports as use cases (issue 17, docs/reports.md): each read of a report or of the dossiers
behind one of its figures is logged on the system chain (`report_read`: who, which report, which
parameters), like the tracking book's. The counting is engine.queries' (read-only)."""

from __future__ import annotations

from engine import events
from engine.context import EngineContext
from engine.event_types import EventType
from engine.queries.handling_report import (
    DrilledDossier,
    HandlingQuery,
    HandlingReport,
    handling_dossiers,
    handling_report,
)
from engine.queries.satisfaction import SatisfactionReport, satisfaction_report
from engine.queries.step_timeliness import TimelinessQuery, TimelinessReport, step_timeliness
from engine.security.authz import Actor
from engine.system_event_types import ReportRead
from engine.transactions import conflicts_as_errors


def read_handling_report(
    ctx: EngineContext, actor: Actor, query: HandlingQuery, output: str
) -> HandlingReport:
    report = handling_report(ctx, actor, query)
    _log(ctx, actor, "handling", query, report.as_of.isoformat(), format=output)
    return report


def read_handling_dossiers(
    ctx: EngineContext, actor: Actor, query: HandlingQuery, figure: str
) -> list[DrilledDossier]:
    found = handling_dossiers(ctx, actor, query, figure)
    as_of = query.as_of or ctx.clock.now().astimezone(ctx.tz).date()
    _log(ctx, actor, "handling_dossiers", query, as_of.isoformat(), figure=figure)
    return found


def read_satisfaction_report(
    ctx: EngineContext, actor: Actor, query: HandlingQuery
) -> SatisfactionReport:
    report = satisfaction_report(ctx, actor, query)
    _log(ctx, actor, "satisfaction", query, report.as_of.isoformat())
    return report


def read_step_timeliness(
    ctx: EngineContext, actor: Actor, query: TimelinessQuery
) -> TimelinessReport:
    """Timeliness per step (the analyst heatmap's data), logged as a `timeliness` report read."""
    report = step_timeliness(ctx, actor, query)
    as_of = report.computed_at.astimezone(ctx.tz).date().isoformat()
    scope = HandlingQuery(query.start, query.end, unit=report.unit, procedure=query.procedure)
    _log(ctx, actor, "timeliness", scope, as_of)
    return report


def _log(
    ctx: EngineContext,
    actor: Actor,
    report: str,
    query: HandlingQuery,
    as_of: str,
    *,
    format: str | None = None,
    figure: str | None = None,
) -> None:
    """After the report was computed: a refused request (403, 422) is not a read."""
    read = ReportRead(
        report=report,
        start=query.start.isoformat(),
        end=query.end.isoformat(),
        as_of=as_of,
        unit=query.unit,
        unit_group=query.unit_group,
        procedure=query.procedure,
    )
    if format is not None:
        read["format"] = format
    if figure is not None:
        read["figure"] = figure
    with conflicts_as_errors(), ctx.uow() as uow:
        events.record_system(
            uow, EventType.REPORT_READ, actor=actor, now=ctx.clock.now(), payload=read
        )
        uow.commit()
