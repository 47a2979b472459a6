"""The causes of a step: one function per thing that moves a dossier on.

Each makes the runtime call on the dossier's workflow, records the event that caused the step,
then applies the step's consequences (`engine.step.apply.apply_step`) through a store port
(`StepStore`), all on a `RunningDossier`. The live use cases (`engine/services/`) call these
after authorization, validation and locking, inside their transaction; replay
(`engine.audit.replay_handlers`) calls the very same functions on its scratch copy of the
dossier, where every event a cause records is compared with the logged one
(docs/architecture.md).

A new cause (a transfer, ...) is a function here, called by its use case and by its replay
handler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine import events, outbound, records
from engine.calendar.working_days import WorkingCalendar
from engine.event_types import (
    DossierSubmitted,
    DossierWithdrawn,
    EventType,
    HandlingStopped,
    Reappointed,
    SupplementSubmitted,
    TaskCompleted,
)
from engine.form_conventions import SUPPLEMENT_MESSAGE
from engine.procedures.model import ProcedureModel
from engine.records import APOLOGY, CHANNEL_NAMES, STOP_NOTICE
from engine.security.authz import SYSTEM_ACTOR, Actor, Role
from engine.spiff import runtime
from engine.spiff.parser import ParsedProcedure
from engine.spiff.runtime import StepOutcome, Workflow
from engine.statuses import DossierStatus
from engine.step import reappointments
from engine.step.apply import Completion, StepStore, apply_step, change_status
from engine.step.deadlines import StepEnvironment
from engine.views import CHANNEL_CODES
from storage.audit_models import Event
from storage.models import Definition, Dossier, WorkItem
from storage.record_models import Document


class TaskIds(Protocol):
    """Between the work items' task ids and the workflow's: the same live; a replay's workflow
    has task ids of its own (they are random) and maps them (`engine.audit.scratch.TaskIds`)."""

    def workflow_id(self, task_id: str) -> str: ...
    def live_outcome(self, outcome: StepOutcome) -> StepOutcome: ...


class _SameIds:
    def workflow_id(self, task_id: str) -> str:
        return task_id

    def live_outcome(self, outcome: StepOutcome) -> StepOutcome:
        return outcome


#: The live workflow's task ids are the work items' ids.
LIVE_IDS: TaskIds = _SameIds()


@dataclass(frozen=True, slots=True)
class RunningDossier:
    """A dossier whose procedure runs, ready for a step: where the step writes (`store`: the
    unit of work, or a replay's scratch copy), the dossier, the procedure model and workflow it
    runs on, and the working calendar of the step's time."""

    store: StepStore
    dossier: Dossier
    model: ProcedureModel
    workflow: Workflow
    calendar: WorkingCalendar
    ids: TaskIds = LIVE_IDS

    def record(
        self,
        type_: EventType,
        payload: Mapping[str, Any],
        *,
        actor: Actor,
        now: datetime,
        bpmn_id: str | None = None,
        role: str | None = None,
    ) -> Event:
        """Record the event that causes the step, on the dossier's chain."""
        return events.record_for_dossier(
            self.store,
            self.dossier,
            type_,
            actor=actor,
            now=now,
            payload=payload,
            bpmn_id=bpmn_id,
            role=role,
        )

    def apply(
        self,
        outcome: StepOutcome,
        *,
        actor: Actor,
        now: datetime,
        completion: Completion | None = None,
        role: str | None = None,
        open_items: Sequence[WorkItem] | None = None,
    ) -> list[WorkItem]:
        """Apply the workflow step's `outcome` (`apply_step`); the open work items after it."""
        return apply_step(
            self.store,
            dossier=self.dossier,
            model=self.model,
            workflow=self.workflow,
            outcome=self.ids.live_outcome(outcome),
            actor=actor,
            now=now,
            calendar=self.calendar,
            completion=completion,
            role=role,
            open_items=open_items,
        )


@dataclass(frozen=True, slots=True)
class StepSetting:
    """What a step of a dossier runs on besides its workflow: the procedure model, the parsed
    diagram, and the calendar and diagram functions of the step's time."""

    model: ProcedureModel
    parsed: ParsedProcedure
    env: StepEnvironment

    def resume(
        self, store: StepStore, dossier: Dossier, now: datetime, ids: TaskIds = LIVE_IDS
    ) -> RunningDossier:
        """The dossier's stored workflow, loaded for a step at `now`."""
        workflow = runtime.load(self.parsed, dossier.state, self.env.functions, now=now)
        return RunningDossier(store, dossier, self.model, workflow, self.env.calendar, ids)


def new_dossier(
    code: str, definition: Definition, submitted: DossierSubmitted, now: datetime
) -> Dossier:
    """A dossier as submitted (status 1) at `now`, before its procedure has run a step;
    `submitted` is the payload of its `dossier_submitted` event."""
    return Dossier(
        code=code,
        procedure_key=definition.key,
        definition_id=definition.id,
        unit_code=submitted["unit"],
        owner_user_id=submitted["owner_user_id"],
        applicant=submitted["applicant"],
        channel=CHANNEL_CODES[submitted["channel"]],
        return_channel=CHANNEL_CODES[submitted["return_channel"]],
        submission=submitted["data"],
        data={},
        status=int(DossierStatus.SUBMITTED),
        status_changed_at=now,
        submitted_at=now,
        state="",
        updated_at=now,
    )


def submit(
    store: StepStore,
    dossier: Dossier,
    submitted: DossierSubmitted,
    setting: StepSetting,
    *,
    actor: Actor,
    now: datetime,
    ids: TaskIds = LIVE_IDS,
) -> tuple[RunningDossier, list[WorkItem]]:
    """Start the procedure of a dossier just registered (`new_dossier`); return it running and
    its open work items."""
    workflow, outcome = runtime.start(
        setting.parsed, process_input(dossier), setting.env.functions, now=now
    )
    running = RunningDossier(store, dossier, setting.model, workflow, setting.env.calendar, ids)
    event = running.record(EventType.DOSSIER_SUBMITTED, submitted, actor=actor, now=now)
    # status 1 (Mới đăng ký) is set by `new_dossier`, not by a change: tell the outbox here
    outbound.status_changed(
        store, dossier, event, procedure_code=setting.model.code, procedure_name=setting.model.name
    )
    open_items = running.apply(outcome, actor=actor, now=now, open_items=[])
    store.flush()
    return running, open_items


def complete_task(
    running: RunningDossier,
    item: WorkItem,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    now: datetime,
    open_items: Sequence[WorkItem] | None = None,
) -> list[WorkItem]:
    """Complete the open user task `item` with its form's `data`; return the dossier's open work
    items after the step. A new appointment the completion gives (Mẫu 04,
    `reappointments.new_appointment`, which refuses a second one or a date that is not a later
    working day) applies first: `reappointed` precedes `task_completed`. Replay computes it
    here too, so a logged appointment the rules would not give is a divergence."""
    reappointment = reappointments.new_appointment(
        running.dossier, running.model, item.bpmn_id, data, running.calendar, actor, now
    )
    if reappointment is not None:
        reappoint(running, reappointment, actor=actor, now=now, bpmn_id=item.bpmn_id)
    outcome = running.workflow.complete_user_task(running.ids.workflow_id(item.id), data)
    running.record(
        EventType.TASK_COMPLETED,
        TaskCompleted(task_id=item.id, form=item.form_key, data=dict(data)),
        actor=actor,
        now=now,
        bpmn_id=item.bpmn_id,
        role=item.role,
    )
    return running.apply(
        outcome,
        actor=actor,
        now=now,
        completion=Completion.of_form(item.id, actor.username, data),
        role=item.role,
        open_items=open_items,
    )


def reappoint(
    running: RunningDossier,
    record: Reappointed,
    *,
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
) -> None:
    """Give the dossier its one new appointment and issue Mẫu 04 with it (R-2.5)."""
    reappointments.reappoint(running.dossier, record)
    running.record(EventType.REAPPOINTED, record, actor=actor, now=now, bpmn_id=bpmn_id)
    content = records.apology_content(running.store, running.dossier, running.model, record)
    records.issue(
        running.store, running.dossier, APOLOGY, content, actor=actor, now=now, bpmn_id=bpmn_id
    )


def deliver_supplement(
    running: RunningDossier, supplement: SupplementSubmitted, *, actor: Actor, now: datetime
) -> list[WorkItem]:
    """Deliver what the applicant sent (Mẫu 02) to the waiting workflow; its submission becomes
    the supplemented one."""
    merged = supplemented(running.dossier, supplement["data"])
    outcome = running.workflow.deliver_message(SUPPLEMENT_MESSAGE, {"submission": merged})
    running.record(EventType.SUPPLEMENT_SUBMITTED, supplement, actor=actor, now=now)
    running.dossier.submission = merged
    still_open = running.apply(outcome, actor=actor, now=now)
    running.store.flush()
    return still_open


def withdraw(
    running: RunningDossier, withdrawn: DossierWithdrawn, *, actor: Actor, now: datetime
) -> None:
    """The applicant withdraws the dossier before its result (status 7, R-2.9): the request is
    recorded, the process ends where it stands, its open steps and timers are cancelled."""
    running.record(EventType.DOSSIER_WITHDRAWN, withdrawn, actor=actor, now=now)
    _end_handling(running, DossierStatus.WITHDRAWN, actor=actor, now=now, role=None)
    running.store.flush()


def stop(
    running: RunningDossier, stopped: HandlingStopped, *, actor: Actor, now: datetime
) -> Document:
    """A leader stops the handling (status 8, R-2.9): the process ends as for a withdrawal and
    Mẫu 05 is issued with the legal reason; return it."""
    running.record(EventType.HANDLING_STOPPED, stopped, actor=actor, now=now, role=Role.LEADER)
    _end_handling(running, DossierStatus.STOPPED, actor=actor, now=now, role=Role.LEADER)
    content = records.stop_content(
        running.store, running.dossier, running.model, stopped, signed_by=actor.username
    )
    notice = records.issue(
        running.store, running.dossier, STOP_NOTICE, content, actor=actor, now=now, bpmn_id=None
    )
    running.store.flush()
    return notice


def _end_handling(
    running: RunningDossier, status: DossierStatus, *, actor: Actor, now: datetime, role: str | None
) -> None:
    """Close the dossier with a final `status`: the status changes first (the dossier is
    finished), then the cancelled process's open steps and timers close."""
    outcome = running.workflow.cancel()
    changed = change_status(
        running.store, running.dossier, status, actor=actor, now=now, bpmn_id=None, role=role
    )
    outbound.status_changed(
        running.store,
        running.dossier,
        changed,
        procedure_code=running.model.code,
        procedure_name=running.model.name,
    )
    running.apply(outcome, actor=actor, now=now, role=role)


def fire_due_timers(
    running: RunningDossier, *, now: datetime, open_items: Sequence[WorkItem] | None = None
) -> tuple[StepOutcome, Sequence[WorkItem] | None]:
    """Fire the dossier's timers due by `now`, as a step of its own (its first events are the
    `timer_fired` ones). Use cases run it before their own step (pitfalls P3/P4): a completion
    after an interrupting timer's due time finds its task gone (409).

    Returns the step (`fired_timers` empty when none was due) and the dossier's open work items
    after it (`open_items` when nothing fired)."""
    outcome = running.workflow.fire_due_timers()
    if not outcome.fired_timers:
        return outcome, open_items
    still_open = running.apply(outcome, actor=SYSTEM_ACTOR, now=now, open_items=open_items)
    running.store.flush()
    return outcome, still_open


def process_input(dossier: Dossier) -> dict[str, Any]:
    """What the procedure's process starts with."""
    return {
        "dossier_code": dossier.code,
        "procedure": dossier.procedure_key,
        "unit": dossier.unit_code,
        "channel": CHANNEL_NAMES[dossier.channel],
        "applicant": dict(dossier.applicant),
        "submission": dict(dossier.submission),
    }


def supplemented(dossier: Dossier, data: Mapping[str, Any]) -> dict[str, Any]:
    """The submission with the applicant's supplement applied over it."""
    return {**dossier.submission, **dict(data)}
