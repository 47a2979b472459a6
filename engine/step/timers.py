"""The `timer` projection: one row per BPMN timer of a dossier, rewritten at every save.

Rows are pending while their timer waits in the workflow; they become fired when it fires and
cancelled when the workflow stops waiting for it (its activity completed first). The scheduler
reads only these rows. A step records a `timer_fired` event for each timer it fired, before
anything else it records, and a `timer_armed` event for each timer it armed or moved. A timer step
(the scheduler's) thus starts with its `timer_fired` events, which replay redoes. Payloads name
timers by BPMN id and due time (task ids are random, so a replay's differ from the live ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from engine import events
from engine.event_types import EventType, TimerArmed, TimerFired
from engine.security.authz import Actor
from engine.spiff.runtime import StepOutcome
from storage.models import Dossier, Timer
from storage.statuses import TimerStatus


class TimerStore(Protocol):
    def pending_for_dossier(self, dossier_id: int) -> Sequence[Timer]: ...
    def get(self, timer_id: str) -> Timer | None: ...
    def add(self, timer: Timer) -> None: ...


class _Store(events.EventSink, Protocol):
    @property
    def timers(self) -> TimerStore: ...


def record_fired(
    uow: events.EventSink, dossier: Dossier, outcome: StepOutcome, actor: Actor, now: datetime
) -> None:
    """One `timer_fired` event per timer the step fired."""
    for fired in outcome.fired_timers:
        events.record_for_dossier(
            uow,
            dossier,
            EventType.TIMER_FIRED,
            actor=actor,
            now=now,
            bpmn_id=fired.bpmn_id,
            payload=TimerFired(due_at=_iso(fired.due_at), fired_at=_iso(now)),
        )


def sync_timers(
    uow: _Store, dossier: Dossier, outcome: StepOutcome, actor: Actor, now: datetime
) -> None:
    """Bring the dossier's timer rows in line with what the step fired and left waiting."""
    pending = {row.id: row for row in uow.timers.pending_for_dossier(dossier.id)}
    waiting = {timer.task_id: timer for timer in outcome.timers}
    for fired in outcome.fired_timers:
        if fired.task_id in waiting:  # a cycle keeps waiting for its next time
            continue
        row = pending.pop(fired.task_id, None) or uow.timers.get(fired.task_id)
        if row is None:  # armed and fired within the same timer step
            row = _new_row(dossier, fired.task_id, fired.bpmn_id, fired.due_at, now)
            uow.timers.add(row)
        row.status, row.closed_at = TimerStatus.FIRED, now
    for timer_id, row in pending.items():
        if timer_id not in waiting:
            row.status, row.closed_at = TimerStatus.CANCELLED, now
    for timer in outcome.timers:
        row = pending.get(timer.task_id)
        if row is None:
            uow.timers.add(_new_row(dossier, timer.task_id, timer.bpmn_id, timer.due_at, now))
        elif row.due_at == timer.due_at:
            continue
        else:
            row.due_at = timer.due_at
        events.record_for_dossier(
            uow,
            dossier,
            EventType.TIMER_ARMED,
            actor=actor,
            now=now,
            bpmn_id=timer.bpmn_id,
            payload=TimerArmed(due_at=_iso(timer.due_at)),
        )


def _new_row(
    dossier: Dossier, task_id: str, bpmn_id: str, due_at: datetime, now: datetime
) -> Timer:
    return Timer(
        id=task_id,
        dossier_id=dossier.id,
        bpmn_id=bpmn_id,
        due_at=due_at,
        status=TimerStatus.PENDING,
        created_at=now,
    )


def _iso(moment: datetime) -> str:
    return events.format_time(moment)
