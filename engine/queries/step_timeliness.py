"""Timeliness per step (docs/reports.md, "Timeliness per step"; issue 17; the analyst heatmap's
data): for one procedure and a period, per step (BPMN id of a user task), how many dossiers are
at the step now, the median and 90th percentile of the time completed steps took (from the
task's opening to its completion, in wall-clock hours, nearest-rank percentiles), and the share
of them completed after their step due (local days, as the work item's timeliness says).

A step counts in the period when it was completed in [from, to] (local days). Read from the
`work_item` projection (storage.step_times); tests/http/test_step_timeliness.py recomputes the
same figures from the `task_opened` / `task_completed` events and compares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine.context import EngineContext
from engine.errors import FieldError, NotFoundError, PermissionDeniedError, ValidationFailedError
from engine.queries.handling_report import years_after
from engine.queries.report_figures import MAX_PERIOD_YEARS, REPORT_YEARS, Period
from engine.security.authz import Actor, Role


@dataclass(frozen=True, slots=True)
class TimelinessQuery:
    procedure: str
    start: date
    end: date
    #: A unit's code; None: every unit (a leader's query is always their unit's).
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class StepTimeliness:
    bpmn_id: str
    name: str
    #: Open tasks of the step now, and those of them past their step due.
    open_now: int
    overdue_now: int
    #: Tasks of the step completed in the period.
    completed: int
    median_hours: float | None
    p90_hours: float | None
    #: Of the completed: how many had a step due, and how many were completed after it.
    with_due: int
    late: int

    @property
    def late_share(self) -> float | None:
        """Late / completed with a due (0..1); None when none had a due."""
        return round(self.late / self.with_due, 4) if self.with_due else None


@dataclass(frozen=True, slots=True)
class TimelinessReport:
    procedure: str
    procedure_name: str
    start: date
    end: date
    unit: str | None
    #: When "now" was (the open counts are as of this instant).
    computed_at: datetime
    #: Steps with an open or a completed task, in BPMN id order.
    steps: list[StepTimeliness]


def ensure_can_read_timeliness(actor: Actor, unit: str | None) -> None:
    """Leaders read their unit's; auditors, analysts and administrators every unit's."""
    if actor.has(Role.AUDITOR, Role.ADMIN, Role.ANALYST):
        return
    if actor.has(Role.LEADER) and actor.unit_code is not None and unit == actor.unit_code:
        return
    raise PermissionDeniedError(
        "step timeliness is for the unit's leaders, analysts, auditors and administrators"
    )


def check_timeliness_period(start: date, end: date) -> None:
    """422 naming the parameter: a year out of range, `to` before `from`, over 366 days."""
    for name, day in (("from", start), ("to", end)):
        if day.year not in REPORT_YEARS:
            raise _invalid(name, f"must be a date from {REPORT_YEARS.start} to 2999")
    if end < start:
        raise _invalid("to", "must not be before 'from'")
    if end >= years_after(start, MAX_PERIOD_YEARS):  # the handling report's rule
        raise _invalid("to", f"a period covers at most {MAX_PERIOD_YEARS} years")


def step_timeliness(ctx: EngineContext, actor: Actor, query: TimelinessQuery) -> TimelinessReport:
    """Raises PermissionDeniedError, NotFoundError (procedure, unit), ValidationFailedError."""
    unit = query.unit
    if (
        unit is None
        and actor.has(Role.LEADER)
        and not actor.has(Role.AUDITOR, Role.ADMIN, Role.ANALYST)
    ):
        unit = actor.unit_code  # a leader's figures are their unit's
    ensure_can_read_timeliness(actor, unit)
    check_timeliness_period(query.start, query.end)
    now = ctx.clock.now()
    period = Period(query.start, query.end, query.end, ctx.tz)
    with ctx.uow(write=False) as uow:
        latest = uow.definitions.latest(query.procedure)
        if latest is None:
            raise NotFoundError(f"no procedure {query.procedure}")
        if unit is not None and uow.units.get(unit) is None:
            raise NotFoundError(f"no unit {unit}")
        units = [unit] if unit is not None else None
        durations = uow.step_times.durations(
            query.procedure,
            units,
            completed_from=period.first,
            completed_before=period.close,
        )
        backlog = uow.step_times.backlog(query.procedure, units, now=now)
        name = latest.name
        model = ctx.definitions.get(latest).model
    steps: dict[str, StepTimeliness] = {}
    for open_step in backlog:
        steps[open_step.bpmn_id] = StepTimeliness(
            open_step.bpmn_id,
            open_step.name,
            open_step.open,
            open_step.overdue,
            0,
            None,
            None,
            0,
            0,
        )
    for done in durations:
        waiting = steps.get(done.bpmn_id)
        node = model.node(done.bpmn_id)
        steps[done.bpmn_id] = StepTimeliness(
            done.bpmn_id,
            waiting.name if waiting else (node.name if node else done.bpmn_id),
            waiting.open_now if waiting else 0,
            waiting.overdue_now if waiting else 0,
            done.completed,
            round(done.median_hours, 2),
            round(done.p90_hours, 2),
            done.with_due,
            done.late,
        )
    return TimelinessReport(
        procedure=query.procedure,
        procedure_name=name,
        start=query.start,
        end=query.end,
        unit=unit,
        computed_at=now,
        steps=[steps[key] for key in sorted(steps)],
    )


def default_period(ctx: EngineContext, days: int = 30) -> tuple[date, date]:
    """The last `days` days up to today (the pages' default)."""
    today = ctx.clock.now().astimezone(ctx.tz).date()
    return today - timedelta(days=days - 1), today


def _invalid(name: str, message: str) -> ValidationFailedError:
    return ValidationFailedError("the period is not valid", [FieldError(name, message)])
