"""A dossier's workflow made ready for a use case's step: loaded with its calendar and diagram
functions at `now`, with the timers due by then fired first, as a step of their own (pitfalls
P3/P4). Completions, supplements and the scheduler start every step this way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine import deadlines
from engine.calendar.working_days import WorkingCalendar
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.procedures.model import ProcedureModel
from engine.progress import fire_due_timers
from engine.spiff import runtime
from engine.spiff.runtime import StepOutcome
from storage.models import Definition, Dossier, WorkItem
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LiveDossier:
    model: ProcedureModel
    calendar: WorkingCalendar
    workflow: runtime.Workflow
    #: The timer step; `fired_timers` is empty when no timer was due.
    timers: StepOutcome
    #: The dossier's open work items after the timer step (None if not given and none fired).
    open_items: Sequence[WorkItem] | None


def load_for_step(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    definition: Definition,
    now: datetime,
    *,
    open_items: Sequence[WorkItem] | None = None,
) -> LiveDossier:
    """`definition`: the dossier's own; `open_items`: its open work items, if just read."""
    model = model_of(definition)
    env = deadlines.step_environment(ctx, uow, model, dossier, now)
    workflow = runtime.load(ctx.definitions.get(definition), dossier.state, env.functions, now=now)
    timers, after_timers = fire_due_timers(
        uow,
        dossier=dossier,
        model=model,
        workflow=workflow,
        calendar=env.calendar,
        now=now,
        open_items=open_items,
    )
    return LiveDossier(model, env.calendar, workflow, timers, after_timers)
