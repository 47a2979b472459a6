"""A dossier's workflow made ready for a step: loaded with its calendar and diagram functions
at `now`. Every use case that moves a dossier starts here; those acting on a running dossier
(completions, supplements, the scheduler) have the timers due by then fired first, as a step of
their own (pitfalls P3/P4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.procedures import ProcedureModel
from engine.spiff import runtime
from engine.spiff.parser import ParsedProcedure
from engine.spiff.runtime import StepOutcome
from engine.step import causes
from engine.step.deadlines import StepEnvironment, step_environment
from engine.views import model_of
from storage.models import Definition, Dossier, WorkItem
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StepSetting:
    """What a step of a dossier runs on besides its workflow."""

    model: ProcedureModel
    parsed: ParsedProcedure
    env: StepEnvironment


@dataclass(frozen=True, slots=True)
class LoadedDossier:
    model: ProcedureModel
    calendar: WorkingCalendar
    workflow: runtime.Workflow


@dataclass(frozen=True, slots=True)
class LiveDossier:
    model: ProcedureModel
    calendar: WorkingCalendar
    workflow: runtime.Workflow
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
    `dossier` at `now` (`model`: the procedure model they see, `definition`'s by default)."""
    model = model or model_of(definition)
    env = step_environment(ctx, uow, model, dossier, now)
    return StepSetting(model, ctx.definitions.get(definition), env)


def load(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    definition: Definition,
    now: datetime,
    *,
    model: ProcedureModel | None = None,
) -> LoadedDossier:
    """The dossier's stored workflow on `definition` (its own), ready for a step at `now`."""
    found = setting(ctx, uow, dossier, definition, now, model=model)
    workflow = runtime.load(found.parsed, dossier.state, found.env.functions, now=now)
    return LoadedDossier(found.model, found.env.calendar, workflow)


def load_for_step(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    definition: Definition,
    now: datetime,
    *,
    open_items: Sequence[WorkItem] | None = None,
) -> LiveDossier:
    """`load`, then the timers due by `now` fired; `open_items`: its open work items, if just
    read."""
    loaded = load(ctx, uow, dossier, definition, now)
    timers, after_timers = causes.fire_due_timers(
        uow,
        dossier,
        model=loaded.model,
        workflow=loaded.workflow,
        calendar=loaded.calendar,
        now=now,
        open_items=open_items,
    )
    return LiveDossier(loaded.model, loaded.calendar, loaded.workflow, timers, after_timers)
