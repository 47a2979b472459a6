"""A stored dossier made ready for a use case's step: its workflow loaded with its calendar
and diagram functions at `now` (`setting`, `load_for_step`). The causes of a step
(`engine.step.causes`) run on what these return; completions, supplements and the scheduler
have the timers due by then fired first, as a step of their own (pitfalls P3/P4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.procedures.model import ProcedureModel
from engine.spiff.runtime import StepOutcome
from engine.step import causes
from engine.step.causes import RunningDossier, StepSetting
from engine.step.deadlines import step_environment
from storage.models import Definition, Dossier, WorkItem
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LiveDossier:
    running: RunningDossier
    #: The timer step; `fired_timers` is empty when no timer was due.
    timers: StepOutcome
    #: The dossier's open work items after the timer step (None if not given and none fired).
    open_items: Sequence[WorkItem] | None


def setting(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    definition: Definition,
    now: datetime,
    *,
    model: ProcedureModel | None = None,
) -> StepSetting:
    """`definition`'s parsed diagram, and the calendar and diagram functions of a step of
    `dossier` at `now`: the calendar version it pinned at acceptance (or the one in force), the
    overrides as they stand now. `model`: the procedure model they see (`definition`'s)."""
    model = model or model_of(definition)
    env = step_environment(ctx, uow, model, dossier, now)
    return StepSetting(model, ctx.definitions.get(definition), env)


def load_for_step(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    definition: Definition,
    now: datetime,
    *,
    open_items: Sequence[WorkItem] | None = None,
) -> LiveDossier:
    """The dossier running on `definition` (its own) at `now`, with the timers due by then
    fired; `open_items`: its open work items, if just read."""
    running = setting(ctx, uow, dossier, definition, now).resume(uow, dossier, now)
    timers, after_timers = causes.fire_due_timers(running, now=now, open_items=open_items)
    return LiveDossier(running, timers, after_timers)
