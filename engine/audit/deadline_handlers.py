"""How replay redoes the events of deadlines and timers (issue 3; see `engine.audit.registry`).

A timer step starts with one `timer_fired` event per timer it fired (BPMN id, due time, firing
time): replay fires the workflow's due timers at that time and checks it fires the same ones.
A re-appointment (Mẫu 04) is recorded before the completion that issues it, with the new date.
Documents (Mẫu 01 at acceptance, Mẫu 04) are re-derived with their content and compared.
What steps record themselves (the deadline set at acceptance, the clock stopping and restarting,
the overdue warning, timers armed) is re-derived and compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.audit.registry import consequences, replays
from engine.audit.scratch import ReplayDivergenceError
from engine.reappointments import issue_apology, reappoint
from storage.audit import EventRow

if TYPE_CHECKING:
    from engine.audit.replay import Replay

consequences(
    "deadline_set",
    "clock_paused",
    "deadline_recomputed",
    "overdue_warning",
    "timer_armed",
    "document_issued",
)


@replays("timer_fired")
def _timer_fired(replay: Replay, event: EventRow) -> None:
    """A timer step: fire what is due at this time; the step records its `timer_fired` events
    again, and they must equal the logged ones, this one first."""
    outcome = replay.workflow.fire_due_timers()
    if not outcome.fired_timers:
        raise ReplayDivergenceError(event.seq, "no timer of the dossier is due at this time")
    replay.step(event, outcome)


@replays("reappointed")
def _reappointed(replay: Replay, event: EventRow) -> None:
    """Mẫu 04: the logged new appointment applies as it stands; the letter it issued (a
    `document_issued` consequence) is re-derived and compared."""
    reappoint(replay.dossier, event.payload)
    replay.take(event)
    issue_apology(
        replay.store,
        replay.dossier,
        replay.model,
        event.payload,
        actor=replay.actor_of(event),
        now=event.occurred_at,
        bpmn_id=event.bpmn_id,
    )


@replays("timer_failed")
def _timer_failed(replay: Replay, event: EventRow) -> None:
    replay.take(event)  # the timer is parked; the dossier itself does not change


@replays("timer_resumed")
def _timer_resumed(replay: Replay, event: EventRow) -> None:
    replay.take(event)  # an administrator unparked the timer; the dossier does not change
