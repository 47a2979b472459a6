"""Which event types replay knows, and how to redo each.

A *cause* is an event that made the dossier move (a submission, a completion, a timer firing,
...): its handler reads the logged event and calls the cause of a step the live use case called
(`engine.step.causes`), on the replay's scratch store. A handler restates no use case: what a
step does is written once, in the cause. A *consequence* (a status change, a task opened, a
deadline set, a document issued) is recorded by that cause itself, so replay re-derives it and
checks that the log holds the same event; it needs no handler, only to be declared. Other
events (claims, uploads, reads, parked timers) change no step and are taken as they stand.

An event type another feature adds plugs in with one small handler (`_withdrawn` below).

`replay.clock` is frozen at the event's time while its handler runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from engine.audit.replay_state import Replay
from engine.audit.scratch import ReplayDivergenceError
from engine.event_types import (
    DocumentCorrected,
    DossierMigrated,
    DossierSubmitted,
    DossierWithdrawn,
    EventType,
    FileUploaded,
    HandlingStopped,
    SupplementSubmitted,
    TaskAssigned,
    TaskCompleted,
)
from engine.events import dossier_code_of
from engine.step import causes, corrections, migration
from storage.audit import EventRow
from storage.models import DossierFile

Handler = Callable[[Replay, EventRow], None]

HANDLERS: dict[str, Handler] = {}
#: Event types the replayed steps record themselves (checked, not redone).
CONSEQUENCES: frozenset[str] = frozenset(
    {
        EventType.STATUS_CHANGED,
        EventType.TASK_OPENED,
        EventType.TASK_CANCELLED,
        EventType.TIMER_ARMED,
        EventType.DEADLINE_SET,
        EventType.CLOCK_PAUSED,
        EventType.DEADLINE_RECOMPUTED,
        EventType.OVERDUE_WARNING,
        EventType.DOCUMENT_ISSUED,
    }
)


def replays(*types: str) -> Callable[[Handler], Handler]:
    """Register the function that redoes events of these types."""

    def register(handler: Handler) -> Handler:
        for type_ in types:
            if type_ in HANDLERS or type_ in CONSEQUENCES:
                raise ValueError(f"event type '{type_}' is already registered for replay")
            HANDLERS[type_] = handler
        return handler

    return register


# -- causes of a step -------------------------------------------------------------------------
@replays(EventType.DOSSIER_SUBMITTED)
def _submitted(replay: Replay, event: EventRow) -> None:
    submitted = cast(DossierSubmitted, event.payload)
    definition = replay.pinned_definition(
        submitted["procedure"], submitted["definition_version"], submitted["definition_hash"]
    )
    code = dossier_code_of(event.chain) or ""
    dossier = causes.new_dossier(code, definition, submitted, event.occurred_at)
    dossier.id = event.dossier_id or 0
    dossier.version = 0
    replay.begin(dossier, definition)
    running, _ = causes.submit(
        replay.store,
        dossier,
        submitted,
        replay.setting(),
        actor=replay.actor_of(event),
        now=event.occurred_at,
        ids=replay.store.ids,
    )
    replay.use_workflow(running.workflow)


@replays(EventType.TASK_COMPLETED)
def _completed(replay: Replay, event: EventRow) -> None:
    _complete(replay, event)


@replays(EventType.REAPPOINTED)
def _reappointed(replay: Replay, event: EventRow) -> None:
    """Mẫu 04 is given by the completion logged after it (`complete_task` computes the new
    appointment again and records `reappointed` first, compared with this event)."""
    cause = next((e for e in replay.following() if e.type not in CONSEQUENCES), None)
    if cause is None or cause.type != EventType.TASK_COMPLETED:
        raise ReplayDivergenceError(
            event.seq, "a new appointment is recorded only with the completion that gives it"
        )
    _complete(replay, cause, by=event)


def _complete(replay: Replay, event: EventRow, by: EventRow | None = None) -> None:
    """Redo the completion `event`; `by`: the event naming who acted, if it came first."""
    causes.complete_task(
        replay.running(),
        replay.open_item(event),
        cast(TaskCompleted, event.payload)["data"],
        actor=replay.actor_of(by or event),
        now=event.occurred_at,
    )


@replays(EventType.SUPPLEMENT_SUBMITTED)
def _supplemented(replay: Replay, event: EventRow) -> None:
    causes.deliver_supplement(
        replay.running(),
        cast(SupplementSubmitted, event.payload),
        actor=replay.actor_of(event),
        now=event.occurred_at,
    )


@replays(EventType.TIMER_FIRED)
def _timer_fired(replay: Replay, event: EventRow) -> None:
    """A timer step: fire what is due at this time; its `timer_fired` events must equal the
    logged ones, this one first."""
    outcome, _ = causes.fire_due_timers(replay.running(), now=event.occurred_at)
    if not outcome.fired_timers:
        raise ReplayDivergenceError(event.seq, "no timer of the dossier is due at this time")


@replays(EventType.DOSSIER_MIGRATED)
def _migrated(replay: Replay, event: EventRow) -> None:
    migrated = cast(DossierMigrated, event.payload)
    source, running = replay.definition, replay.running()
    target = replay.pinned_definition(
        replay.dossier.procedure_key, migrated["to"]["version"], migrated["to"]["hash"]
    )
    replay.use_definition(target)
    migration.migrate(
        running,
        source=source,
        target=target,
        parsed=replay.parsed,
        model=replay.model,
        changes=migrated["changes"],
        actor=replay.actor_of(event),
        now=event.occurred_at,
    )


@replays(EventType.DOSSIER_WITHDRAWN)
def _withdrawn(replay: Replay, event: EventRow) -> None:
    causes.withdraw(
        replay.running(),
        cast(DossierWithdrawn, event.payload),
        actor=replay.actor_of(event),
        now=event.occurred_at,
    )


@replays(EventType.HANDLING_STOPPED)
def _stopped(replay: Replay, event: EventRow) -> None:
    causes.stop(
        replay.running(),
        cast(HandlingStopped, event.payload),
        actor=replay.actor_of(event),
        now=event.occurred_at,
    )


@replays(EventType.DOCUMENT_CORRECTED)
def _document_corrected(replay: Replay, event: EventRow) -> None:
    corrections.correct_document(
        replay.store,
        replay.dossier,
        cast(DocumentCorrected, event.payload),
        actor=replay.actor_of(event),
        now=event.occurred_at,
    )


# -- events that change no step ---------------------------------------------------------------
@replays(EventType.TASK_CLAIMED)
def _claimed(replay: Replay, event: EventRow) -> None:
    item = replay.open_item(event)
    item.claimed_by_id = event.actor_user_id
    item.claimed_by_username = event.actor_username
    item.claimed_at = event.occurred_at
    replay.take(event)


@replays(EventType.TASK_RELEASED)
def _released(replay: Replay, event: EventRow) -> None:
    item = replay.open_item(event)
    item.claimed_by_id = None
    item.claimed_by_username = None
    item.claimed_at = None
    replay.take(event)


@replays(EventType.TASK_ASSIGNED)
def _assigned(replay: Replay, event: EventRow) -> None:
    assigned = cast(TaskAssigned, event.payload)
    item = replay.open_item(event)
    item.claimed_by_id = assigned["officer_id"]
    item.claimed_by_username = assigned["officer"]
    item.claimed_at = event.occurred_at
    replay.take(event)


@replays(EventType.FILE_UPLOADED)
def _file_uploaded(replay: Replay, event: EventRow) -> None:
    uploaded = cast(FileUploaded, event.payload)
    replay.files.append(
        DossierFile(
            dossier_id=replay.dossier.id,
            sha256=uploaded["sha256"],
            name=uploaded["name"],
            size=uploaded["size"],
            content_type=uploaded["content_type"],
            uploaded_at=event.occurred_at,
            uploaded_by=event.actor_username,
        )
    )
    replay.take(event)


@replays(
    EventType.DOSSIER_READ,
    EventType.TIMER_FAILED,
    EventType.TIMER_RESUMED,
    EventType.OUTBOX_RETRIED,
    EventType.SATISFACTION_RATED,
)
def _unchanged(replay: Replay, event: EventRow) -> None:
    """Reading a dossier, parking a timer whose firing failed or resuming it, sending an outbox
    message again, the applicant's satisfaction rating (R-2.7): the dossier itself does not
    change."""
    replay.take(event)
