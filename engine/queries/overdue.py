"""What is late, or will be late within N working days (issue 17, docs/reports.md): the dossiers
being handled whose statutory due date is past, or falls by the end of the N-th working
day from today (the calendar in force), with the steps open on them, each step's due date and
the officer holding it (or none: unclaimed). A leader sees their unit, auditors every unit.

Unlike the handling report this is the situation *now* (the dossiers' and work items' current
state), not a figure as of a past day: it is a work list for whoever must act today. A
dossier waiting for the applicant (status 5, 6) is not listed: its clock is stopped. Late is
judged on the statutory due date (R-2.5: a Mẫu 04's new appointment does not make a late
dossier on time); the appointment is shown beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from engine.calendar import versions
from engine.calendar.working_days import DayKind, DayOverride
from engine.context import EngineContext
from engine.errors import FieldError, NotFoundError, ValidationFailedError
from engine.queries.handling_report import ensure_can_read_reports
from engine.security.authz import Actor, Role
from engine.statuses import DossierStatus
from storage.reports import ReportScope
from storage.uow import UnitOfWork

#: The statuses in which a dossier's clock runs: accepted, in process.
RUNNING = (int(DossierStatus.ACCEPTED), int(DossierStatus.IN_PROCESS))
#: A horizon longer than this is a planning question, not a work list.
MAX_WITHIN = 60


@dataclass(frozen=True, slots=True)
class OverdueQuery:
    unit: str | None = None
    procedure: str | None = None
    #: 0: what is late now; N: also what will be late by the end of the N-th working day.
    within: int = 0
    page: int = 1
    page_size: int = 100


@dataclass(frozen=True, slots=True)
class OpenStepView:
    name: str
    bpmn_id: str
    role: str
    due_at: datetime | None
    #: The officer holding the step; None: unclaimed (in the role's shared inbox).
    officer: str | None
    officer_name: str | None
    claimed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OverdueDossier:
    code: str
    unit: str
    procedure: str
    status: int
    received_at: datetime | None
    #: The statutory due date (R-2.5).
    due_at: datetime
    #: The appointment (a Mẫu 04's new one if any).
    appointment_at: datetime | None
    #: Past its statutory due date now; otherwise it will be within the horizon.
    late: bool
    steps: list[OpenStepView]


@dataclass(frozen=True, slots=True)
class OverdueReport:
    #: The moment the list was made.
    now: datetime
    within: int
    #: Listed: due at or before this moment (now, or the end of the N-th working day).
    horizon: datetime
    unit: str | None
    procedure: str | None
    total: int
    page: int
    page_size: int
    items: list[OverdueDossier]


def overdue_report(ctx: EngineContext, actor: Actor, query: OverdueQuery) -> OverdueReport:
    unit = query.unit
    if unit is None and actor.has(Role.LEADER) and not actor.has(Role.AUDITOR, Role.ADMIN):
        unit = actor.unit_code  # a leader's list is their unit's
    ensure_can_read_reports(actor, unit)
    if not 0 <= query.within <= MAX_WITHIN:
        raise ValidationFailedError(
            "the report's parameters are not valid",
            [FieldError("within", f"a number of working days from 0 to {MAX_WITHIN}")],
        )
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        if unit is not None and uow.units.get(unit) is None:
            raise NotFoundError(f"no unit {unit}")
        if query.procedure is not None and uow.definitions.latest(query.procedure) is None:
            raise NotFoundError(f"no procedure {query.procedure}")
        horizon = _horizon(ctx, uow, now, query.within)
        scope = ReportScope([unit] if unit is not None else None, query.procedure)
        offset = (query.page - 1) * query.page_size
        total, rows = uow.due_dossiers.page(scope, RUNNING, horizon, offset, query.page_size)
        steps: dict[int, list[OpenStepView]] = {}
        for step in uow.due_dossiers.open_steps([row.id for row in rows]):
            steps.setdefault(step.dossier_id, []).append(
                OpenStepView(
                    step.name,
                    step.bpmn_id,
                    step.role,
                    step.due_at,
                    step.officer,
                    step.officer_name,
                    step.claimed_at,
                )
            )
    items = [
        OverdueDossier(
            code=row.code,
            unit=row.unit_code,
            procedure=row.procedure_key,
            status=row.status,
            received_at=row.received_at,
            due_at=row.statutory_due_at,
            appointment_at=row.appointment_at,
            late=row.statutory_due_at < now,
            steps=steps.get(row.id, []),
        )
        for row in rows
    ]
    return OverdueReport(
        now=now,
        within=query.within,
        horizon=horizon,
        unit=unit,
        procedure=query.procedure,
        total=total,
        page=query.page,
        page_size=query.page_size,
        items=items,
    )


def _horizon(ctx: EngineContext, uow: UnitOfWork, now: datetime, within: int) -> datetime:
    """Now (within 0), or the end of office hours of the `within`-th working day after today
    on the calendar in force and today's overrides."""
    if within == 0:
        return now
    overrides = [DayOverride(o.day, DayKind(o.kind), o.note) for o in uow.calendar.all()]
    calendar = versions.build(ctx, uow, versions.in_force(uow, ctx), overrides)
    today: date = now.astimezone(ctx.tz).date()
    return calendar.closing(calendar.add_working_days(today, within))
