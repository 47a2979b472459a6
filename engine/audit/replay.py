"""Rebuild a dossier from its pinned definition and its events alone.

Each cause event is redone by its handler (`engine.audit.replay_handlers`) with the engine code
the live use case ran: the runtime step (`engine.spiff.runtime`) and `engine.progress.apply_step`,
here applied to a scratch copy of the dossier instead of its rows, with time frozen at the event's
time. The consequences that code records (status changes, tasks opened) must equal the logged
ones. Replayed to the end, the scratch dossier must equal the stored dossier.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.audit import deadline_handlers as _deadline_handlers  # noqa: F401 - registers
from engine.audit import replay_handlers as _handlers  # noqa: F401 - registers the handlers
from engine.audit.integrity import REPLAY_MISMATCH, ChainChecker, IntegrityProblem
from engine.audit.registry import CONSEQUENCES, HANDLERS
from engine.audit.results import Mismatch, ReplayResult
from engine.audit.scratch import ReplayDivergenceError, ScratchStore
from engine.authz import Actor
from engine.calendar_versions import calendar_as_of
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.deadlines import StepEnvironment, environment
from engine.errors import EngineError, InvalidStateError
from engine.events import SYSTEM_CHAIN, dossier_chain, format_time
from engine.procedures import ProcedureModel
from engine.progress import Completion, apply_step
from engine.spiff.parser import ParsedProcedure
from engine.spiff.runtime import StepOutcome, Workflow
from engine.views import dossier_detail, model_of
from storage.audit import EventRow
from storage.models import Definition, Document, Dossier, DossierFile, WorkItem
from storage.uow import UnitOfWork

#: Compared between the replayed and the stored dossier, and for every work item.
DOSSIER_FIELDS = (
    "procedure_key",
    "definition_id",
    "unit_code",
    "owner_user_id",
    "applicant",
    "channel",
    "return_channel",
    "submission",
    "data",
    "status",
    "status_changed_at",
    "submitted_at",
    "received_at",
    "due_at",
    "resolved_at",
    "finished_at",
    "updated_at",
    "sla",
    "supplement_clock",
    "counted_from",
    "clock_budget",
    "clock_paused_at",
    "original_due_at",
    "reappointment",
    "overdue_warned_at",
    "timeliness",
    "calendar_version",
)
WORK_ITEM_FIELDS = (
    "bpmn_id",
    "name",
    "role",
    "unit_code",
    "form_key",
    "status",
    "claimed_by_id",
    "claimed_by_username",
    "claimed_at",
    "created_at",
    "due_at",
    "completed_at",
    "completed_by_username",
    "outcome",
    "timeliness",
)
FILE_FIELDS = ("name", "size", "content_type", "uploaded_at", "uploaded_by")
DOCUMENT_FIELDS = (
    "form",
    "title",
    "form_set",
    "issued_at",
    "issued_by",
    "unit_code",
    "data",
    "template",
    "year",
    "sequence",
    "number",
    "snapshot",
    "sha256",
)


@dataclass(frozen=True, slots=True)
class DossierRecords:
    """A dossier's rows as stored, or as a replay rebuilt them."""

    dossier: Dossier
    tasks: Sequence[WorkItem]
    files: Sequence[DossierFile]
    documents: Sequence[Document]


class Replay:
    """One dossier being rebuilt. Handlers use `take`, `step` and the accessors below."""

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
        self._definitions = ctx.definitions
        #: Deadlines are computed on the calendar of each event's time: the dossier's pinned
        #: version (or the one then in force) and the overrides as they stood.
        #: Read from the system chain unless the caller already read them in the same snapshot.
        self._calendar_events = (
            list(calendar_events)
            if calendar_events is not None
            else [
                e for e in uow.audit.stream_events(SYSTEM_CHAIN) if e.type.startswith("calendar_")
            ]
        )
        self._dossier: Dossier | None = None
        self._workflow: Workflow | None = None
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
    def workflow(self) -> Workflow:
        if self._workflow is None:
            raise ReplayDivergenceError(None, "the dossier's procedure has not started")
        return self._workflow

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
        self._model = model_of(definition)
        self._parsed = self._definitions.get(definition)

    def use_workflow(self, workflow: Workflow) -> None:
        self._workflow = workflow

    def open_item(self, event: EventRow) -> WorkItem:
        """The open work item (live task id) the event acts on."""
        task_id = str(event.payload.get("task_id"))
        item = self.store.items.get(task_id)
        if item is None or item.status != "open":
            raise ReplayDivergenceError(event.seq, f"task {task_id} is not open at this point")
        return item

    def workflow_task_id(self, live_task_id: str) -> str:
        return self.store.ids.replayed(live_task_id)

    def actor_of(self, event: EventRow) -> Actor:
        return Actor(
            user_id=event.actor_user_id,
            username=event.actor_username,
            roles=frozenset({event.actor_role}),
            unit_code=event.actor_unit,
        )

    def take(self, event: EventRow) -> None:
        """Apply the logged event itself (the cause of the step being redone)."""
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

    def step(
        self, event: EventRow, outcome: StepOutcome, *, completion: Completion | None = None
    ) -> None:
        """Apply a workflow step's outcome exactly as the live use case did."""
        if self._model is None:
            raise ReplayDivergenceError(event.seq, "the dossier's procedure has not started")
        apply_step(
            self.store,
            dossier=self.dossier,
            model=self._model,
            workflow=self.workflow,
            outcome=self.store.ids.live_outcome(outcome),
            actor=self.actor_of(event),
            now=event.occurred_at,
            calendar=self.environment().calendar,
            completion=completion,
            role=event.actor_role,
        )

    # -- running ---------------------------------------------------------------------------
    def run(self, until: int | None = None) -> list[IntegrityProblem]:
        """Redo events in order up to the step holding event `until`; stop at the first problem."""
        chain = self.store.chain
        while chain.applied < len(self.log):
            event = self.log[chain.applied]
            if until is not None and event.seq > until:
                break
            problem = self._redo(event)
            if problem is not None:
                return [problem]
        return []

    def _redo(self, event: EventRow) -> IntegrityProblem | None:
        handler = HANDLERS.get(event.type)
        if event.type in CONSEQUENCES:
            return self._problem(
                event.seq, f"'{event.type}' is not a consequence of the events before it"
            )
        if handler is None:
            return self._problem(event.seq, f"no replay handler for events of type '{event.type}'")
        self.clock.set(event.occurred_at)
        try:
            if self._workflow is not None:  # steps run at the event's time, as they did live
                self._workflow.at(event.occurred_at, self.environment().functions)
            handler(self, event)
        except ReplayDivergenceError as exc:
            return self._problem(exc.seq if exc.seq is not None else event.seq, exc.message)
        except EngineError as exc:
            return self._problem(event.seq, f"redoing '{event.type}' failed: {exc.detail}")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return self._problem(event.seq, f"the event's payload cannot be redone ({exc!r})")
        return None

    def _problem(self, seq: int, detail: str) -> IntegrityProblem:
        return IntegrityProblem(REPLAY_MISMATCH, self.store.chain.chain, seq, detail)

    def result(
        self, until: int | None, problems: list[IntegrityProblem], stored: DossierRecords | None
    ) -> ReplayResult:
        complete = self.store.chain.applied == len(self.log)  # replay stops at its first problem
        mismatches: list[Mismatch] = []
        if complete and stored is not None:
            mismatches = (
                compare(
                    DossierRecords(
                        self._dossier,
                        self.store.items.all(),
                        self.files,
                        self.store.documents.all(),
                    ),
                    stored,
                )
                if self._dossier is not None
                else [Mismatch("dossier", None, stored.dossier.code)]  # stored, but no events
            )
        return ReplayResult(
            code=self.code,
            until=until,
            at_seq=self.log[self.store.chain.applied - 1].seq if self.store.chain.applied else 0,
            events=len(self.log),
            dossier=dossier_detail(self.store, self._dossier) if self._dossier else None,
            data=dict(self._dossier.data) if self._dossier else {},
            complete=complete,
            matches_stored=not mismatches and not problems if complete else None,
            mismatches=mismatches,
            problems=problems,
        )


def replay_log(
    code: str,
    log: Sequence[EventRow],
    uow: UnitOfWork,
    ctx: EngineContext,
    *,
    until: int | None = None,
    calendar_events: Sequence[EventRow] | None = None,
) -> ReplayResult:
    """Replay a dossier's logged events (checked for integrity first) inside `uow`'s reads.
    `calendar_events`: the system chain's calendar events, if read already in this snapshot."""
    checker = ChainChecker(dossier_chain(code))
    for event in log:
        checker.feed(event)
    replay = Replay(code, log, uow, ctx, calendar_events)
    problems = checker.finish() + replay.run(until)
    row = uow.dossiers.by_code(code)
    stored = (
        DossierRecords(
            row,
            uow.work_items.history_for_dossier(row.id),
            uow.files.for_dossier(row.id),
            uow.documents.for_dossier(row.id),
        )
        if row is not None
        else None
    )
    return replay.result(until, problems, stored)


def compare(replayed: DossierRecords, stored: DossierRecords) -> list[Mismatch]:
    found = _differences("dossier", replayed.dossier, stored.dossier, DOSSIER_FIELDS)
    found += _collection(
        "tasks",
        {t.id: t for t in replayed.tasks},
        {t.id: t for t in stored.tasks},
        WORK_ITEM_FIELDS,
    )
    found += _collection(
        "files",
        {f.sha256: f for f in replayed.files},
        {f.sha256: f for f in stored.files},
        FILE_FIELDS,
    )
    found += _collection(
        "documents", _numbered(replayed.documents), _numbered(stored.documents), DOCUMENT_FIELDS
    )
    return found


def _numbered(documents: Sequence[Document]) -> dict[str, Document]:
    """Documents keyed by form and order of issue (`01#1`, `04#1`, ...)."""
    keyed: dict[str, Document] = {}
    for document in documents:
        count = sum(1 for key in keyed if key.startswith(f"{document.form}#")) + 1
        keyed[f"{document.form}#{count}"] = document
    return keyed


def _collection(
    label: str, mine: dict[str, Any], theirs: dict[str, Any], fields: Sequence[str]
) -> list[Mismatch]:
    found: list[Mismatch] = []
    for key in sorted(mine.keys() | theirs.keys()):
        if key not in theirs:
            found.append(Mismatch(f"{label}[{key}]", "recorded", None))
        elif key not in mine:
            found.append(Mismatch(f"{label}[{key}]", None, "stored"))
        else:
            found += _differences(f"{label}[{key}]", mine[key], theirs[key], fields)
    return found


def _differences(label: str, mine: Any, theirs: Any, fields: Sequence[str]) -> list[Mismatch]:
    return [
        Mismatch(f"{label}.{name}", a, b)
        for name in fields
        if (a := _plain(getattr(mine, name))) != (b := _plain(getattr(theirs, name)))
    ]


def _plain(value: Any) -> Any:
    """A JSON value, so stored and replayed compare the same way whatever their Python types."""
    if isinstance(value, datetime):
        return format_time(value)
    return json.loads(json.dumps(value, sort_keys=True, default=str))
