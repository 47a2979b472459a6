"""Fire BPMN timers: one idempotent transaction per timer (docs/architecture.md sections 3-4).

The scheduler (`engine.scheduler`) calls these; so can an operator (`motcua scheduler --once`).
Firing a timer that already fired, was cancelled or is not yet due does nothing, so waking the
same timer twice, or a sweep racing a scheduled wake-up, fires it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine import events
from engine.context import EngineContext
from engine.errors import InvalidStateError, NotFoundError
from engine.event_types import EventType, TimerParked
from engine.security.authz import SYSTEM_ACTOR, Actor, ensure_admin
from engine.step.live import load_for_step
from engine.transactions import conflicts_as_errors
from storage.models import Timer
from storage.statuses import TimerStatus

MAX_ERROR_CHARS = 2000
MAX_PARKED_LISTED = 1000


@dataclass(frozen=True, slots=True)
class ParkedTimer:
    """A timer the scheduler parked as failed: later passes skip it until it is resumed."""

    timer_id: str
    dossier_code: str
    bpmn_id: str
    due_at: datetime
    failed_at: datetime | None
    reason: str


def due_timers(
    ctx: EngineContext, until: datetime, limit: int = 1000
) -> list[tuple[str, datetime]]:
    """(timer id, due time) of pending timers due by `until`, soonest first."""
    with ctx.uow(write=False) as uow:
        return list(uow.timers.pending_until(until, limit))


def fire_timer(ctx: EngineContext, timer_id: str) -> bool:
    """Fire a due timer and move its dossier on; True if it fired now.

    Raises:
        ConcurrentModificationError: the dossier changed meanwhile (retry).
        ProcessError: the diagram could not continue; nothing was saved (see `fail_timer`).
    """
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        timer = uow.timers.get(timer_id)
        if timer is None or timer.status != TimerStatus.PENDING or timer.due_at > now:
            return False
        dossier = uow.dossiers.get(timer.dossier_id, for_update=True)
        assert dossier is not None
        uow.session.refresh(timer)  # re-read after the lock: someone may have fired it
        if timer.status != TimerStatus.PENDING:
            return False
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        outcome = load_for_step(ctx, uow, dossier, definition, now).timers
        if not outcome.fired_timers:
            return False  # e.g. due this very microsecond: SpiffWorkflow fires strictly after
        uow.commit()
    return any(fired.task_id == timer_id for fired in outcome.fired_timers)


def fail_timer(ctx: EngineContext, timer_id: str, error: str) -> None:
    """Park a timer whose firing keeps failing, with the reason, so sweeps stop retrying it."""
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        timer = uow.timers.get(timer_id)
        if timer is None or timer.status != TimerStatus.PENDING:
            return
        dossier = uow.dossiers.get(timer.dossier_id)
        assert dossier is not None
        timer.status, timer.closed_at, timer.error = (
            TimerStatus.FAILED,
            now,
            error[:MAX_ERROR_CHARS],
        )
        events.record_for_dossier(
            uow,
            dossier,
            type=EventType.TIMER_FAILED,
            actor=SYSTEM_ACTOR,
            now=now,
            bpmn_id=timer.bpmn_id,
            payload=TimerParked(due_at=events.format_time(timer.due_at), error=timer.error),
        )
        uow.commit()


def parked_timers(ctx: EngineContext, actor: Actor) -> list[ParkedTimer]:
    """Timers parked as failed, most recent first (administrators)."""
    ensure_admin(actor)
    with ctx.uow(write=False) as uow:
        return [_parked(timer, code) for timer, code in uow.timers.failed(MAX_PARKED_LISTED)]


def resume_timer(ctx: EngineContext, actor: Actor, timer_id: str) -> ParkedTimer:
    """Put a parked timer back to pending: the scheduler's next pass fires it again (and parks
    it again if it fails again). Audited as `timer_resumed` on the dossier's chain.

    Raises:
        NotFoundError: no such timer.
        InvalidStateError: the timer is not parked.
    """
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        timer = uow.timers.get(timer_id)
        if timer is None:
            raise NotFoundError(f"no timer '{timer_id}'")
        if timer.status != TimerStatus.FAILED:
            raise InvalidStateError(f"timer '{timer_id}' is {timer.status}, not parked")
        dossier = uow.dossiers.get(timer.dossier_id, for_update=True)
        assert dossier is not None
        parked = _parked(timer, dossier.code)
        timer.status, timer.closed_at, timer.error = TimerStatus.PENDING, None, None
        events.record_for_dossier(
            uow,
            dossier,
            type=EventType.TIMER_RESUMED,
            actor=actor,
            now=now,
            bpmn_id=timer.bpmn_id,
            payload=TimerParked(due_at=events.format_time(timer.due_at), error=parked.reason),
        )
        uow.commit()
    return parked


def _parked(timer: Timer, code: str) -> ParkedTimer:
    return ParkedTimer(
        timer.id, code, timer.bpmn_id, timer.due_at, timer.closed_at, timer.error or ""
    )
