"""The officers' inbox as the workspace shows it (issue 16): the open tasks of my roles in my unit
(the same rows and rules as `GET /tasks`, `engine.queries.dossiers.inbox`) with more filters and
orders, the dossier's columns a person needs at a glance, each task's deadline state counted on the
working calendar, and the counts the filters show. Reads projections only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from engine.calendar import versions as calendar_versions
from engine.calendar.working_days import DayKind, DayOverride, WorkingCalendar
from engine.context import EngineContext
from engine.queries.dossiers import MAX_PAGE_SIZE
from engine.results import Page, StatusView, TaskSummary
from engine.security.authz import Actor, ensure_officer
from engine.views import mask_name, task_summary
from storage.uow import UnitOfWork
from storage.work import INBOX_SORTS, InboxFilter

SORTS = INBOX_SORTS


class Deadline(StrEnum):
    """Where a task stands against its due time (the step's, else the appointment)."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"  # due within one working day
    OVERDUE = "overdue"
    NONE = "none"  # no due time at all


@dataclass(frozen=True, slots=True)
class InboxRequest:
    assignee: str | None = None  # "me" | "none"
    procedure: str | None = None
    dossier: str | None = None  # a dossier's code
    status: int | None = None  # the dossier's status code
    deadline: Deadline | None = None
    sort: str = "created"
    descending: bool = False
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True, slots=True)
class InboxRow:
    task: TaskSummary
    applicant_name: str  # masked
    dossier_status: StatusView
    received_at: datetime | None
    step_due_at: datetime | None  # the step's due time, else the appointment
    appointment_at: datetime | None
    deadline: Deadline
    claimed_by_me: bool


@dataclass(frozen=True, slots=True)
class InboxCounts:
    total: int
    mine: int
    unclaimed: int
    overdue: int
    due_soon: int


@dataclass(frozen=True, slots=True)
class InboxView:
    page: Page[InboxRow]
    counts: InboxCounts
    #: (key, name) of the procedures deployed, for the procedure filter.
    procedures: list[tuple[str, str]]
    now: datetime
    #: Tasks due before this (and not yet overdue) are "due within one working day".
    soon: datetime


def officer_inbox(ctx: EngineContext, actor: Actor, request: InboxRequest) -> InboxView:
    """The page of the inbox `request` asks for; PermissionDeniedError for anyone but officers
    of a unit."""
    ensure_officer(actor)
    assert actor.unit_code is not None and actor.user_id is not None
    page = max(request.page, 1)
    page_size = min(max(request.page_size, 1), MAX_PAGE_SIZE)
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        soon = one_working_day_after(_calendar(ctx, uow), now)
        due_from, due_before = _due_window(request.deadline, now, soon)
        flt = InboxFilter(
            unit_code=actor.unit_code,
            roles=frozenset(actor.roles),
            user_id=actor.user_id,
            assignee=request.assignee,
            procedure_key=request.procedure,
            dossier_code=request.dossier,
            dossier_status=request.status,
            due_from=due_from,
            due_before=due_before,
            sort=request.sort if request.sort in SORTS else "created",
            descending=request.descending,
        )
        rows, total = uow.work_items.inbox(flt, (page - 1) * page_size, page_size)
        counts = uow.work_items.inbox_counts(flt, now, soon)
        items = []
        for item, dossier in rows:
            step_due = item.due_at or dossier.due_at
            items.append(
                InboxRow(
                    task=task_summary(item, dossier),
                    applicant_name=mask_name(str(dossier.applicant.get("full_name", ""))),
                    dossier_status=StatusView.of(dossier.status),
                    received_at=dossier.received_at or dossier.submitted_at,
                    step_due_at=step_due,
                    appointment_at=dossier.due_at,
                    deadline=deadline_of(step_due, now, soon),
                    claimed_by_me=item.claimed_by_id == actor.user_id,
                )
            )
        procedures = [(d.key, d.name) for d in uow.definitions.all_latest()]
    return InboxView(
        page=Page(items=items, total=total, page=page, page_size=page_size),
        counts=InboxCounts(**counts),
        procedures=sorted(procedures, key=lambda p: p[1]),
        now=now,
        soon=soon,
    )


def deadline_of(due: datetime | None, now: datetime, soon: datetime) -> Deadline:
    if due is None:
        return Deadline.NONE
    if due < now:
        return Deadline.OVERDUE
    if due < soon:
        return Deadline.DUE_SOON
    return Deadline.ON_TIME


def one_working_day_after(calendar: WorkingCalendar, now: datetime) -> datetime:
    """The first moment after `now` plus one working day of office time (the office hours of
    one day): a task due before it is due within one working day."""
    minutes = sum(
        (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        for start, end in calendar.hours.periods
    )
    return calendar.add_working_minutes(now, minutes) + timedelta(microseconds=1)


def _due_window(
    deadline: Deadline | None, now: datetime, soon: datetime
) -> tuple[datetime | None, datetime | None]:
    if deadline == Deadline.OVERDUE:
        return None, now
    if deadline == Deadline.DUE_SOON:
        return now, soon
    if deadline == Deadline.ON_TIME:
        return soon, None
    return None, None


def _calendar(ctx: EngineContext, uow: UnitOfWork) -> WorkingCalendar:
    """The calendar in force with today's overrides (what new deadlines are counted on)."""
    overrides = [DayOverride(o.day, DayKind(o.kind), o.note) for o in uow.calendar.all()]
    return calendar_versions.build(ctx, uow, calendar_versions.in_force(uow, ctx), overrides)


def due_soon_limit(ctx: EngineContext, now: datetime) -> datetime:
    """Tasks due before this (and after `now`) are due within one working day."""
    with ctx.uow(write=False) as uow:
        return one_working_day_after(_calendar(ctx, uow), now)
