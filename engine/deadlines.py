"""A dossier's legal deadlines (DOMAIN.md section 4, R-0.1, R-2.5), applied inside use cases.

- Acceptance (status 2) pins the limit (`sla`) and supplement policy of the diagram version,
  starts the clock at the effective receipt time and sets the appointment (ngày hẹn trả).
- A supplement requested during processing (status 5) stops the clock; when the applicant
  resubmits it restarts with the whole limit (`restart`, the default) or goes on with what was
  left (`pause`), and the appointment is recomputed.
- Resolution (status 9) classifies the dossier early / on time / late against the statutory
  due date, which a re-appointment (Mẫu 04, at most one) never moves.
- Diagram timers may call `working_days(n)` and `before_appointment(n)`.

Nothing here commits: callers run it inside their unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from engine import events
from engine.authz import Actor
from engine.calendar import DayKind, DayOverride, OfficeHours, WorkingCalendar
from engine.definitions import SCRIPT_FUNCTIONS
from engine.errors import (
    FieldError,
    InvalidStateError,
    ReappointmentLimitError,
    ValidationFailedError,
)
from engine.events import EventSink
from engine.procedures import NodeModel, ProcedureModel, Sla
from engine.statuses import FINAL_STATUSES, DossierStatus
from storage.models import Dossier, WorkItem
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.context import EngineContext

SUPPLEMENT_POLICIES = ("restart", "pause")
TRUE_VALUES = frozenset({"true", "yes", "1"})
#: A bound on the day counts diagram functions accept (about four years of working days).
MAX_DIAGRAM_DAYS = 1000
CATCH_EVENT_KINDS = frozenset({"startEvent", "intermediateCatchEvent", "boundaryEvent"})


@dataclass(frozen=True, slots=True)
class StepEnvironment:
    """What a workflow step of a dossier needs besides the workflow: calendar and functions."""

    calendar: WorkingCalendar
    functions: Mapping[str, Callable[..., Any]]


def load_calendar(ctx: EngineContext, uow: UnitOfWork) -> WorkingCalendar:
    """The working calendar as it stands: packaged holidays plus the stored overrides."""
    overrides = [DayOverride(o.day, DayKind(o.kind), o.note) for o in uow.calendar.all()]
    return WorkingCalendar(ctx.tz, overrides=overrides, hours=ctx.settings.office_hours)


class CalendarEvent(Protocol):
    """An event of the system chain, as stored (an ORM row or a streamed row)."""

    @property
    def occurred_at(self) -> datetime: ...
    @property
    def type(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def calendar_as_of(
    tz: tzinfo, hours: OfficeHours, system_events: Iterable[CalendarEvent], moment: datetime
) -> WorkingCalendar:
    """The working calendar as it stood at `moment`, from the overrides' events on the system
    chain (replay computes deadlines with the calendar the live step had)."""
    overrides: dict[str, DayOverride] = {}
    for event in system_events:
        if event.occurred_at > moment:
            break
        if event.type == "calendar_override_set":
            day = date.fromisoformat(event.payload["day"])
            overrides[event.payload["day"]] = DayOverride(
                day, DayKind(event.payload["kind"]), event.payload["note"]
            )
        elif event.type == "calendar_override_removed":
            overrides.pop(event.payload["previous"]["day"], None)
    return WorkingCalendar(tz, overrides=overrides.values(), hours=hours)


def step_environment(
    ctx: EngineContext,
    uow: UnitOfWork,
    model: ProcedureModel,
    dossier: Dossier,
    now: datetime,
) -> StepEnvironment:
    """Calendar and diagram functions for a step of `dossier` at `now`."""
    return environment(load_calendar(ctx, uow), model, dossier, now)


def environment(
    calendar: WorkingCalendar, model: ProcedureModel, dossier: Dossier, now: datetime
) -> StepEnvironment:
    """The diagram functions of a step of `dossier` at `now`, on `calendar`."""

    def working_days(count: int) -> str:
        """End of office hours on the `count`-th working day from now (receipt rules apply)."""
        _check_days("working_days", count)
        return calendar.due(Sla(count, "working_days"), now).isoformat()

    def before_appointment(count: int = 1) -> str:
        """Opening time on the `count`-th working day before the dossier's appointment."""
        _check_days("before_appointment", count)
        appointment = projected_appointment(dossier, model, calendar, now)
        day = calendar.subtract_working_days(calendar.local(appointment).date(), count)
        return calendar.opening(day).isoformat()

    functions = {"working_days": working_days, "before_appointment": before_appointment}
    assert frozenset(functions) == SCRIPT_FUNCTIONS  # the names deploy-time checks allow
    return StepEnvironment(calendar=calendar, functions=functions)


@dataclass(frozen=True, slots=True)
class _Clock:
    counted_from: datetime
    budget: int
    statutory_due: datetime


def projected_appointment(
    dossier: Dossier, model: ProcedureModel, calendar: WorkingCalendar, now: datetime
) -> datetime:
    """The appointment the dossier has, or the one this step gives it if it accepts the dossier
    or resumes its clock now (timers are armed during the step, before its statuses apply)."""
    if dossier.counted_from is not None:
        if dossier.clock_paused_at is None and dossier.due_at is not None:
            return dossier.due_at
        return _appointment(dossier, _resumed(dossier, calendar, now).statutory_due)
    if model.sla is None:
        raise InvalidStateError("the procedure declares no time limit ('sla')")
    return calendar.due(model.sla, now)


def on_status_change(
    uow: EventSink,
    dossier: Dossier,
    model: ProcedureModel,
    calendar: WorkingCalendar,
    *,
    old: int,
    data: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    """Start, stop or resume the dossier's clock, or classify it, after its status changed."""
    new = DossierStatus(dossier.status)
    running = dossier.counted_from is not None
    if new == DossierStatus.ACCEPTED and not running and model.sla is not None:
        _start(uow, dossier, model, calendar, data, actor, now, bpmn_id)
    elif new == DossierStatus.SUPPLEMENT_REQUESTED and running and dossier.clock_paused_at is None:
        dossier.clock_paused_at = now
        events.record_for_dossier(
            uow,
            dossier,
            "clock_paused",
            actor=actor,
            now=now,
            bpmn_id=bpmn_id,
            payload={"paused_at": _iso(now)},
        )
    elif (
        old == DossierStatus.SUPPLEMENT_REQUESTED
        and dossier.clock_paused_at is not None
        and new not in FINAL_STATUSES
    ):
        _resume(uow, dossier, calendar, actor, now, bpmn_id)
    if new == DossierStatus.RESOLVED and dossier.original_due_at is not None:
        dossier.timeliness = str(calendar.timeliness(now, dossier.original_due_at))


def on_node_entered(
    uow: EventSink, dossier: Dossier, node: NodeModel, actor: Actor, now: datetime, *, fired: bool
) -> None:
    """A node with `overdue_warning=true` (the warning timer) flags the dossier (R-2.5) when it
    happens: a catch event when it fires, not when it starts waiting."""
    if flag(node, "overdue_warning") and (fired or node.kind not in CATCH_EVENT_KINDS):
        dossier.overdue_warned_at = now
        events.record_for_dossier(
            uow,
            dossier,
            "overdue_warning",
            actor=actor,
            now=now,
            bpmn_id=node.bpmn_id,
            payload={
                "due_at": _iso(dossier.due_at),
                "original_due_at": _iso(dossier.original_due_at),
            },
        )


def step_due(calendar: WorkingCalendar, node: NodeModel, now: datetime) -> datetime | None:
    """A work item's own due time, from its node's `sla` property (None: the step has no limit
    of its own and is due by the dossier's appointment, if it has one)."""
    return calendar.due(node.sla, now) if node.sla is not None else None


def step_timeliness(calendar: WorkingCalendar, item: WorkItem, now: datetime) -> str | None:
    return str(calendar.timeliness(now, item.due_at)) if item.due_at is not None else None


def apply_reappointment(
    uow: UnitOfWork,
    dossier: Dossier,
    node: NodeModel | None,
    data: Mapping[str, Any],
    calendar: WorkingCalendar,
    actor: Actor,
    now: datetime,
) -> None:
    """Completing a `reappointment=true` task with decision `reappoint` issues Mẫu 04.

    Raises:
        ReappointmentLimitError: the dossier already had its one new appointment.
        ValidationFailedError: the new date is not a working day after the appointment.
    """
    if node is None or not flag(node, "reappointment") or data.get("decision") != "reappoint":
        return
    if dossier.reappointment is not None:
        raise ReappointmentLimitError(
            "this dossier already had its one new appointment (Mẫu 04); a second is not allowed"
        )
    if dossier.due_at is None or dossier.timeliness is not None:
        raise InvalidStateError("the dossier has no pending appointment to move")
    new_day = _date(data.get("new_due_date"))
    current = calendar.local(dossier.due_at).date()
    problem = None
    if new_day is None:
        problem = "the new appointment date is required (YYYY-MM-DD)"
    elif new_day <= current:
        problem = f"must be after the current appointment {current:%d/%m/%Y}"
    elif not calendar.is_working_day(new_day):
        problem = f"{new_day:%d/%m/%Y} is not a working day ({calendar.day_info(new_day).reason})"
    if problem is not None or new_day is None:
        raise ValidationFailedError(
            "the new appointment is not valid", [FieldError("data.new_due_date", str(problem))]
        )
    record = {
        "at": _iso(now),
        "by": actor.username,
        "reason": str(data.get("reason", "")),
        "apology": data.get("apology"),
        "previous_due_at": _iso(dossier.due_at),
        "new_due_at": _iso(calendar.closing(new_day)),
    }
    reappoint(dossier, record)
    events.record_for_dossier(
        uow, dossier, "reappointed", actor=actor, now=now, bpmn_id=node.bpmn_id, payload=record
    )


def reappoint(dossier: Dossier, record: Mapping[str, Any]) -> None:
    """Give the dossier its new appointment (Mẫu 04); replay applies the logged record."""
    dossier.reappointment = dict(record)
    dossier.due_at = datetime.fromisoformat(record["new_due_at"])


def flag(node: NodeModel, name: str) -> bool:
    return node.properties.get(name, "").strip().lower() in TRUE_VALUES


def _start(
    uow: EventSink,
    dossier: Dossier,
    model: ProcedureModel,
    calendar: WorkingCalendar,
    data: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    assert model.sla is not None
    policy = model.supplement_clock if model.supplement_clock in SUPPLEMENT_POLICIES else "restart"
    clock = _Clock(
        calendar.effective_start(now), calendar.budget(model.sla), calendar.due(model.sla, now)
    )
    dossier.sla, dossier.supplement_clock = model.sla.text, policy
    _set_clock(dossier, clock)
    dossier.due_at = clock.statutory_due
    dossier.receipt = {
        "documents_received": list(data.get("documents_received") or []),
        "received_by": actor.username,
    }
    events.record_for_dossier(
        uow,
        dossier,
        "deadline_set",
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        payload={
            "sla": dossier.sla,
            "supplement_clock": policy,
            "received_at": _iso(now),
            "counted_from": _iso(clock.counted_from),
            "due_at": _iso(clock.statutory_due),
        },
    )


def _resumed(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> _Clock:
    assert dossier.sla is not None and dossier.counted_from is not None
    sla = Sla.parse(dossier.sla)
    if dossier.supplement_clock == "pause" and dossier.clock_paused_at is not None:
        used = calendar.consumed(sla, dossier.counted_from, dossier.clock_paused_at)
        budget = max((dossier.clock_budget or 0) - used, 0)
    else:
        budget = calendar.budget(sla)
    return _Clock(calendar.effective_start(now), budget, calendar.due(sla, now, budget))


def _resume(
    uow: EventSink,
    dossier: Dossier,
    calendar: WorkingCalendar,
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    paused_at, previous_due = dossier.clock_paused_at, dossier.due_at
    clock = _resumed(dossier, calendar, now)
    _set_clock(dossier, clock)
    dossier.clock_paused_at = None
    dossier.due_at = _appointment(dossier, clock.statutory_due)
    events.record_for_dossier(
        uow,
        dossier,
        "deadline_recomputed",
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        payload={
            "supplement_clock": dossier.supplement_clock,
            "paused_at": _iso(paused_at),
            "resumed_at": _iso(now),
            "counted_from": _iso(clock.counted_from),
            "budget": clock.budget,
            "previous_due_at": _iso(previous_due),
            "due_at": _iso(dossier.due_at),
            "original_due_at": _iso(clock.statutory_due),
        },
    )


def _set_clock(dossier: Dossier, clock: _Clock) -> None:
    dossier.counted_from = clock.counted_from
    dossier.clock_budget = clock.budget
    dossier.original_due_at = clock.statutory_due


def _appointment(dossier: Dossier, statutory_due: datetime) -> datetime:
    """A re-appointed date stands unless the recomputed statutory date is later."""
    if dossier.reappointment is not None:
        return max(statutory_due, datetime.fromisoformat(dossier.reappointment["new_due_at"]))
    return statutory_due


def _check_days(function: str, count: Any) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_DIAGRAM_DAYS:
        raise ValueError(f"{function}() needs a whole number of days from 0 to {MAX_DIAGRAM_DAYS}")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    return events.format_time(moment) if moment is not None else None
