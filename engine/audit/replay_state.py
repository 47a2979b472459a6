"""One dossier being rebuilt from its events: what replay handlers read and hand to the causes.

The dossier, its scratch rows (`engine.audit.scratch.ScratchStore`), the definition version and
workflow it runs on, and the calendar of each event's time. A handler
(`engine.audit.replay_handlers`) reads the logged event, then calls the same cause of a step
(`engine.step.causes`) the live use case called, on `store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from engine.audit.scratch import ReplayDivergenceError, ScratchStore
from engine.calendar.versions import calendar_as_of
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import InvalidStateError
from engine.event_types import CALENDAR_EVENTS
from engine.events import SYSTEM_CHAIN, dossier_chain
from engine.procedures.model import ProcedureModel
from engine.security.authz import Actor
from engine.spiff.parser import ParsedProcedure
from engine.spiff.runtime import Workflow
from engine.step.causes import RunningDossier, StepSetting
from engine.step.deadlines import StepEnvironment, environment
from storage.audit import EventRow
from storage.models import Definition, Dossier, DossierFile, WorkItem
from storage.statuses import WorkItemStatus
from storage.uow import UnitOfWork


class Replay:
    """One dossier being rebuilt. Handlers use `take`, the accessors and `store` below."""

    def __init__(
        self,
        code: str,
        log: Sequence[EventRow],
        uow: UnitOfWork,
        ctx: EngineContext,
        calendar_events: Sequence[EventRow] | None = None,
    ) -> None:
        self.code = code
        self.log = log
        self.store = ScratchStore(dossier_chain(code), log, uow.definitions, uow.units, ctx.tz)
        #: Engine code that reads a clock during a replayed step sees the event's time.
        self.clock = FrozenClock(log[0].occurred_at if log else datetime.fromtimestamp(0, UTC))
        self._uow = uow
        self._ctx = ctx
        #: Deadlines are computed on the calendar of each event's time: the dossier's pinned
        #: version (or the one then in force) and the overrides as they stood.
        #: Read from the system chain unless the caller already read them in the same snapshot.
        self._calendar_events = (
            list(calendar_events)
            if calendar_events is not None
            else [e for e in uow.audit.stream_events(SYSTEM_CHAIN) if e.type in CALENDAR_EVENTS]
        )
        self._dossier: Dossier | None = None
        self._workflow: Workflow | None = None
        self._definition: Definition | None = None
        self._model: ProcedureModel | None = None
        self._parsed: ParsedProcedure | None = None
        #: Files the events say were uploaded (`file_uploaded`), in order.
        self.files: list[DossierFile] = []

    # -- for handlers --------------------------------------------------------------------
    @property
    def dossier(self) -> Dossier:
        if self._dossier is None:
            raise ReplayDivergenceError(
                None, "the chain does not start with the dossier's submission"
            )
        return self._dossier

    @property
    def started(self) -> bool:
        """Whether the dossier's procedure has started (its workflow exists)."""
        return self._workflow is not None

    @property
    def workflow(self) -> Workflow:
        if self._workflow is None:
            raise ReplayDivergenceError(None, "the dossier's procedure has not started")
        return self._workflow

    @property
    def definition(self) -> Definition:
        if self._definition is None:
            raise ReplayDivergenceError(None, "the dossier's procedure has not started")
        return self._definition

    @property
    def model(self) -> ProcedureModel:
        if self._model is None:
            raise ReplayDivergenceError(None, "the dossier's procedure has not started")
        return self._model

    @property
    def parsed(self) -> ParsedProcedure:
        if self._parsed is None:
            raise ReplayDivergenceError(None, "the dossier's procedure has not started")
        return self._parsed

    @property
    def rebuilt(self) -> Dossier | None:
        """The dossier as rebuilt so far; None before its submission was replayed."""
        return self._dossier

    def pinned_definition(self, key: str, version: int, content_hash: str) -> Definition:
        """The definition version the event names, refusing one whose content changed."""
        definition = self._uow.definitions.cached_version(key, version)
        if definition is None:
            raise ReplayDivergenceError(None, f"procedure {key} version {version} is not deployed")
        if definition.content_hash != content_hash:
            raise ReplayDivergenceError(
                None, f"procedure {key} version {version} no longer has the content it had"
            )
        return definition

    def begin(self, dossier: Dossier, definition: Definition) -> None:
        self._dossier = dossier
        self.use_definition(definition)

    def use_definition(self, definition: Definition) -> None:
        self._definition = definition
        self._model = model_of(definition)
        self._parsed = self._ctx.definitions.get(definition)

    def use_workflow(self, workflow: Workflow) -> None:
        self._workflow = workflow

    def open_item(self, event: EventRow) -> WorkItem:
        """The open work item (live task id) the event acts on."""
        task_id = str(event.payload.get("task_id"))
        item = self.store.items.get(task_id)
        if item is None or item.status != WorkItemStatus.OPEN:
            raise ReplayDivergenceError(event.seq, f"task {task_id} is not open at this point")
        return item

    def following(self) -> Sequence[EventRow]:
        """The logged events after the one being redone (before its handler records anything)."""
        return self.log[self.store.chain.applied + 1 :]

    def actor_of(self, event: EventRow) -> Actor:
        return Actor(
            user_id=event.actor_user_id,
            username=event.actor_username,
            roles=frozenset({event.actor_role}),
            unit_code=event.actor_unit,
        )

    def take(self, event: EventRow) -> None:
        """Apply the logged event as it stands (one that changes nothing a step re-derives)."""
        self.store.chain.take(event)

    def environment(self) -> StepEnvironment:
        """Calendar and diagram functions of a step at the current event's time."""
        if self._model is None:
            raise ReplayDivergenceError(None, "the dossier's procedure has not started")
        now = self.clock.now()
        try:
            calendar = calendar_as_of(
                self._ctx, self._uow, self._calendar_events, self.dossier.calendar_version, now
            )
        except InvalidStateError as exc:
            raise ReplayDivergenceError(None, exc.detail) from None
        return environment(calendar, self._model, self.dossier, now)

    def setting(self) -> StepSetting:
        """What a step at the current event's time runs on besides the workflow."""
        return StepSetting(self.model, self.parsed, self.environment())

    def running(self) -> RunningDossier:
        """The rebuilt dossier, ready for a step at the current event's time."""
        calendar = self.environment().calendar
        return RunningDossier(
            self.store, self.dossier, self.model, self.workflow, calendar, self.store.ids
        )
