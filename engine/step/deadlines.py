"""A dossier's legal deadlines (docs/domain.md section 4, R-0.1, R-2.5), applied by each step.

- Acceptance (status 2) pins the calendar version (`engine.calendar.versions`), the limit (`sla`)
  and supplement policy of the diagram version, starts the clock at the effective receipt time,
  sets the appointment (ngày hẹn trả) and issues Mẫu 01 with it (`engine.records`).
- A supplement requested during processing (status 5) stops the clock; when the applicant
  resubmits it restarts with the whole limit (`restart`, the default) or goes on with what was
  left (`pause`), and the appointment is recomputed.
- Waiting for a fee or financial obligation (status 6) stops the clock too; it always goes on
  with what was left when the dossier leaves status 6 (the wait is excluded, R-2.9).
- Resolution (status 9) classifies the dossier early / on time / late against the statutory
  due date, which a re-appointment (Mẫu 04, at most one, to a future working day; issued late
  if after the working day before the appointment) never moves.
- Diagram timers may call `working_days(n)` and `before_appointment(n)`.
- Mẫu 04, the dossier's one new appointment, is `engine.step.reappointments`.

Nothing here commits: callers run it inside their unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine import events, records
from engine.calendar import versions as calendar_versions
from engine.calendar.working_days import WorkingCalendar
from engine.definitions.cache import SCRIPT_FUNCTIONS
from engine.errors import InvalidStateError
from engine.event_types import (
    ClockPaused,
    DeadlineRecomputed,
    DeadlineSet,
    EventType,
    OverdueWarning,
)
from engine.events import EventSink
from engine.form_conventions import DOCUMENTS_RECEIVED, OVERDUE_WARNING_FLAG
from engine.procedures.model import NodeModel, ProcedureModel, Sla
from engine.records import RECEIPT, DocumentSink
from engine.security.authz import Actor
from engine.statuses import FINAL_STATUSES, DossierStatus
from storage.models import Dossier, WorkItem
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.context import EngineContext

SUPPLEMENT_POLICIES = ("restart", "pause")
#: A bound on the day counts diagram functions accept (about four years of working days).
MAX_DIAGRAM_DAYS = 1000
CATCH_EVENT_KINDS = frozenset({"startEvent", "intermediateCatchEvent", "boundaryEvent"})
#: Statuses during which the agency's clock does not run: waiting for the applicant's
#: supplement (5) or for a fee or financial obligation (6, R-2.9).
CLOCK_STOPPING = frozenset({DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.FINANCIAL_OBLIGATION})
#: `waiting_for` of a `clock_paused` event (and `waited_for` of the `deadline_recomputed` that
#: ends it) when the dossier waits for a fee; a supplement's events carry neither (older ones
#: never did).
FINANCIAL_OBLIGATION = "financial_obligation"


@dataclass(frozen=True, slots=True)
class StepEnvironment:
    """What a workflow step of a dossier needs besides the workflow: calendar and functions."""

    calendar: WorkingCalendar
    functions: Mapping[str, Callable[..., Any]]


def step_environment(
    ctx: EngineContext,
    uow: UnitOfWork,
    model: ProcedureModel,
    dossier: Dossier,
    now: datetime,
) -> StepEnvironment:
    """Calendar and diagram functions for a step of `dossier` at `now`: the calendar version
    it pinned at acceptance (or the one in force), with the overrides as they stand now."""
    return environment(calendar_versions.for_dossier(uow, ctx, dossier), model, dossier, now)


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
        leaving = DossierStatus(dossier.status)
        return _appointment(dossier, _resumed(dossier, calendar, now, leaving).statutory_due)
    if model.sla is None:
        raise InvalidStateError("the procedure declares no time limit ('sla')")
    return calendar.due(model.sla, now)


def on_status_change(
    uow: DocumentSink,
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
    if new == DossierStatus.ACCEPTED and records.issued(uow, dossier, RECEIPT) is None:
        _accept(uow, dossier, model, calendar, data, actor, now, bpmn_id)
    elif new in CLOCK_STOPPING and running and dossier.clock_paused_at is None:
        _pause(uow, dossier, new, actor, now, bpmn_id)
    elif (
        old in CLOCK_STOPPING
        and new in CLOCK_STOPPING
        and old != new
        and dossier.clock_paused_at is not None
    ):
        # From one wait to the other (the supplement arrives and a fee is asked at once, or the
        # reverse): the first wait ends by its own rule, the second one begins.
        _resume(uow, dossier, calendar, actor, now, bpmn_id, left=DossierStatus(old))
        _pause(uow, dossier, new, actor, now, bpmn_id)
    elif (
        old in CLOCK_STOPPING
        and dossier.clock_paused_at is not None
        and new not in CLOCK_STOPPING | FINAL_STATUSES
    ):
        _resume(uow, dossier, calendar, actor, now, bpmn_id, left=DossierStatus(old))
    if new == DossierStatus.RESOLVED and dossier.original_due_at is not None:
        dossier.timeliness = str(calendar.timeliness(now, dossier.original_due_at))


def _pause(
    uow: EventSink,
    dossier: Dossier,
    waiting: DossierStatus,
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    """Stop the clock while the dossier waits in status `waiting` (5 or 6)."""
    dossier.clock_paused_at = now
    paused = ClockPaused(paused_at=_iso(now))
    if waiting == DossierStatus.FINANCIAL_OBLIGATION:
        paused["waiting_for"] = FINANCIAL_OBLIGATION
    events.record_for_dossier(
        uow, dossier, EventType.CLOCK_PAUSED, actor=actor, now=now, bpmn_id=bpmn_id, payload=paused
    )


def on_node_entered(
    uow: EventSink, dossier: Dossier, node: NodeModel, actor: Actor, now: datetime, *, fired: bool
) -> None:
    """A node with `overdue_warning=true` (the warning timer) flags the dossier (R-2.5) when it
    happens: a catch event when it fires, not when it starts waiting."""
    if node.flag(OVERDUE_WARNING_FLAG) and (fired or node.kind not in CATCH_EVENT_KINDS):
        dossier.overdue_warned_at = now
        events.record_for_dossier(
            uow,
            dossier,
            EventType.OVERDUE_WARNING,
            actor=actor,
            now=now,
            bpmn_id=node.bpmn_id,
            payload=OverdueWarning(
                due_at=_iso(dossier.due_at), original_due_at=_iso(dossier.original_due_at)
            ),
        )


def step_due(calendar: WorkingCalendar, node: NodeModel, now: datetime) -> datetime | None:
    """A work item's own due time, from its node's `sla` property (None: the step has no limit
    of its own and is due by the dossier's appointment, if it has one)."""
    return calendar.due(node.sla, now) if node.sla is not None else None


def step_timeliness(calendar: WorkingCalendar, item: WorkItem, now: datetime) -> str | None:
    return str(calendar.timeliness(now, item.due_at)) if item.due_at is not None else None


def _accept(
    uow: DocumentSink,
    dossier: Dossier,
    model: ProcedureModel,
    calendar: WorkingCalendar,
    data: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    """The dossier is received: pin its calendar, start its clock, issue Mẫu 01 (R-2.3)."""
    if calendar.version is not None:
        dossier.calendar_version = calendar.version.number
    if model.sla is not None:
        _start(uow, dossier, model, calendar, actor, now, bpmn_id)
    content = records.receipt_content(
        uow,
        dossier,
        model,
        documents_received=data.get(DOCUMENTS_RECEIVED),
        received_by=actor.username,
        now=now,
    )
    records.issue(uow, dossier, RECEIPT, content, actor=actor, now=now, bpmn_id=bpmn_id)


def _start(
    uow: EventSink,
    dossier: Dossier,
    model: ProcedureModel,
    calendar: WorkingCalendar,
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
    version = calendar.version
    events.record_for_dossier(
        uow,
        dossier,
        EventType.DEADLINE_SET,
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        payload=DeadlineSet(
            sla=dossier.sla,
            supplement_clock=policy,
            received_at=_iso(now),
            counted_from=_iso(clock.counted_from),
            due_at=_iso(clock.statutory_due),
            calendar_version=version.number if version is not None else None,
            calendar_hash=version.content_hash if version is not None else None,
        ),
    )


def _policy(dossier: Dossier, left: DossierStatus) -> str | None:
    """How the clock goes on after waiting in status `left`: a supplement by the procedure's
    policy; a fee or financial obligation (6) is only excluded from the count, so it goes on
    with what was left (R-2.9)."""
    if left == DossierStatus.FINANCIAL_OBLIGATION:
        return "pause"
    return dossier.supplement_clock


def _resumed(
    dossier: Dossier, calendar: WorkingCalendar, now: datetime, left: DossierStatus
) -> _Clock:
    assert dossier.sla is not None and dossier.counted_from is not None
    sla = Sla.parse(dossier.sla)
    if _policy(dossier, left) == "pause" and dossier.clock_paused_at is not None:
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
    *,
    left: DossierStatus,
) -> None:
    paused_at, previous_due = dossier.clock_paused_at, dossier.due_at
    clock = _resumed(dossier, calendar, now, left)
    _set_clock(dossier, clock)
    dossier.clock_paused_at = None
    dossier.due_at = _appointment(dossier, clock.statutory_due)
    recomputed = DeadlineRecomputed(
        supplement_clock=_policy(dossier, left),
        paused_at=_iso(paused_at),
        resumed_at=_iso(now),
        counted_from=_iso(clock.counted_from),
        budget=clock.budget,
        previous_due_at=_iso(previous_due),
        due_at=_iso(dossier.due_at),
        original_due_at=_iso(clock.statutory_due),
    )
    if left == DossierStatus.FINANCIAL_OBLIGATION:
        recomputed["waited_for"] = FINANCIAL_OBLIGATION
    events.record_for_dossier(
        uow,
        dossier,
        EventType.DEADLINE_RECOMPUTED,
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        payload=recomputed,
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


def _iso(moment: datetime | None) -> str | None:
    return events.format_time(moment) if moment is not None else None
