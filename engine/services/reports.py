"""The reports as use cases (issue 17, docs/reports.md): each read of a report or of the dossiers
behind one of its figures is logged on the system chain (`report_read`: who, which report, which
parameters), like the tracking book's. The counting is engine.queries' (read-only)."""

from __future__ import annotations

from collections.abc import Callable

from engine import events, report_projection
from engine.context import EngineContext
from engine.event_types import EventType
from engine.queries.handling_report import (
    DrilledDossier,
    HandlingQuery,
    HandlingReport,
    Progress,
    handling_dossiers,
    handling_report,
)
from engine.queries.overdue import OverdueQuery, OverdueReport, overdue_report
from engine.queries.satisfaction import SatisfactionReport, satisfaction_report
from engine.queries.step_timeliness import TimelinessQuery, TimelinessReport, step_timeliness
from engine.security.authz import Actor
from engine.system_event_types import ReportRead
from engine.transactions import conflicts_as_errors


def read_handling_report(
    ctx: EngineContext,
    actor: Actor,
    query: HandlingQuery,
    output: str,
    progress: Progress | None = None,
) -> HandlingReport:
    report = handling_report(ctx, actor, query, progress)
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


def read_overdue_report(ctx: EngineContext, actor: Actor, query: OverdueQuery) -> OverdueReport:
    report = overdue_report(ctx, actor, query)
    today = report.now.astimezone(ctx.tz).date().isoformat()
    read = ReportRead(
        report="overdue",
        start=today,
        end=today,
        as_of=today,
        unit=query.unit,
        unit_group=None,
        procedure=query.procedure,
        within=query.within,
    )
    _record(ctx, actor, read)
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
    _record(ctx, actor, read)


def _record(ctx: EngineContext, actor: Actor, read: ReportRead) -> None:
    with conflicts_as_errors(), ctx.uow() as uow:
        events.record_system(
            uow, EventType.REPORT_READ, actor=actor, now=ctx.clock.now(), payload=read
        )
        uow.commit()


def rebuild_report_projection(
    ctx: EngineContext, progress: Callable[[int], None] | None = None
) -> int:
    """Fold the whole event log into the handling report's projection again, in one
    transaction (a database written before the projection existed, or a check that the kept
    one is right). Returns how many dossiers it holds."""
    with conflicts_as_errors(), ctx.uow() as uow:
        held = report_projection.rebuild(uow, ctx.tz, progress)
        uow.commit()
    return held


def ensure_report_projection(ctx: EngineContext) -> int | None:
    """Rebuild the projection when it is empty and dossiers exist (the first `motcua migrate`
    after the projection was added); None when nothing was needed."""
    with ctx.uow(write=False) as uow:
        needed = uow.report_projection.count() == 0 and uow.report_projection.unprojected() > 0
    return rebuild_report_projection(ctx) if needed else None
