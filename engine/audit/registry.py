"""Which event types replay knows, and how to redo each.

A *cause* is an event that made the dossier move (a submission, a completion, a timer firing,
...): its handler redoes the step with the same engine code the live use case ran. A *consequence*
(a status change, a task opened or cancelled) is recorded by that engine code itself, so replay
re-derives it and checks that the log holds the same event; it needs no handler, only to be
declared. An event type another feature adds plugs in with one small handler:

    @replays("timer_fired")
    def _timer_fired(replay: Replay, event: EventRow) -> None:
        outcome = replay.workflow.fire_timers(...)  # the runtime call the live use case made
        replay.take(event)                          # the logged event itself
        replay.step(event, outcome)                 # the same apply_step, on the scratch copy

`replay.clock` is frozen at the event's time while its handler runs; `replay.dossier`,
`replay.use_definition(...)` and `replay.use_workflow(...)` let a handler (e.g. a migration to a
new definition version) change what the dossier runs on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from storage.audit import EventRow

if TYPE_CHECKING:
    from engine.audit.replay import Replay

Handler = Callable[["Replay", EventRow], None]

HANDLERS: dict[str, Handler] = {}
CONSEQUENCES: set[str] = set()


def replays(*types: str) -> Callable[[Handler], Handler]:
    """Register the function that redoes events of these types."""

    def register(handler: Handler) -> Handler:
        for type_ in types:
            if type_ in HANDLERS or type_ in CONSEQUENCES:
                raise ValueError(f"event type '{type_}' is already registered for replay")
            HANDLERS[type_] = handler
        return handler

    return register


def consequences(*types: str) -> None:
    """Declare event types that replayed steps record themselves (checked, not redone)."""
    for type_ in types:
        if type_ in HANDLERS:
            raise ValueError(f"event type '{type_}' already has a replay handler")
        CONSEQUENCES.add(type_)
