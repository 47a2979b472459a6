"""Run one step of a procedure: start, complete a user task, deliver a message.

Each step reports what was *entered* (in order), so the engine can apply the status codes and
legal consequences the diagram declares on its nodes, and which user tasks are now READY.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import InvalidStateError, ProcessError, TaskNotReadyError
from engine.spiff import serializer
from engine.spiff.parser import ParsedProcedure
from engine.spiff.scripting import UnsafeScriptError, make_script_engine

_ENTERED = (
    TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
)


@dataclass(frozen=True, slots=True)
class ReadyTask:
    task_id: str
    bpmn_id: str


@dataclass(frozen=True, slots=True)
class StepOutcome:
    entered: tuple[str, ...]
    ready: tuple[ReadyTask, ...]
    waiting_messages: tuple[str, ...]
    completed: bool
    data: dict[str, Any]


class Workflow:
    """A live workflow instance; never shared between threads or requests."""

    def __init__(self, parsed: ParsedProcedure, workflow: Any) -> None:
        self.parsed = parsed
        self._wf = workflow

    @property
    def instance(self) -> Any:
        """The SpiffWorkflow object, for the other modules of `engine.spiff` only."""
        return self._wf

    def dumps(self) -> str:
        return serializer.dumps(self._wf)

    def run_engine(self) -> StepOutcome:
        """Run what needs no person (e.g. after a migration) and report the step."""
        return _step(self._wf, lambda: None)

    def outcome(self) -> StepOutcome:
        return _outcome(self._wf, ())

    def user_task_ids(self, *, completed: bool) -> frozenset[str]:
        """Ids of the user tasks that are READY now, or (`completed`) that were completed."""
        state = TaskState.COMPLETED if completed else TaskState.READY
        return frozenset(str(t.id) for t in self._wf.get_tasks(state=state, manual=True))

    def task_data(self, task_id: str) -> dict[str, Any]:
        task = _task(self._wf, task_id)
        if task is None:
            raise TaskNotReadyError("the task no longer exists in this dossier")
        return dict(task.data)

    def complete_user_task(self, task_id: str, data: Mapping[str, Any]) -> StepOutcome:
        """Raises TaskNotReadyError if the task is not READY (e.g. an interrupting timer won)."""
        task = _task(self._wf, task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReadyError("the task is not waiting for completion any more")

        def action() -> None:
            task.set_data(**dict(data))
            task.run()

        return _step(self._wf, action)

    def deliver_message(self, message_name: str, updates: Mapping[str, Any]) -> StepOutcome:
        """Hand a message (e.g. the applicant's supplement) to the catch event waiting for it.

        Raises:
            InvalidStateError: nothing in the dossier waits for this message.
        """
        waiting = [
            t
            for t in self._wf.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
            and t.task_spec.event_definition.name == message_name
        ]
        if not waiting:
            raise InvalidStateError(f"the dossier is not waiting for '{message_name}'")
        catcher = waiting[0]

        def action() -> None:
            try:
                self._wf.send_event(
                    BpmnEvent(catcher.task_spec.event_definition, payload=dict(updates))
                )
            except WorkflowException as exc:
                raise InvalidStateError(str(exc)) from exc
            # The caught event is READY now and its data is copied to what follows it.
            catcher.set_data(**dict(updates))

        return _step(self._wf, action)


def start(
    parsed: ParsedProcedure,
    initial_data: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> tuple[Workflow, StepOutcome]:
    wf = BpmnWorkflow(
        parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine(functions)
    )
    wf.task_tree.data.update(dict(initial_data))
    workflow = Workflow(parsed, wf)
    return workflow, _step(wf, lambda: None)


def load(
    parsed: ParsedProcedure, state: str, functions: Mapping[str, Callable[..., Any]] | None = None
) -> Workflow:
    wf = serializer.loads(state, parsed.spec, parsed.subprocess_specs)
    wf.script_engine = make_script_engine(functions)  # not serialized (notes P12)
    return Workflow(parsed, wf)


def _task(wf: Any, task_id: str) -> Any:
    try:
        return wf.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, SpiffWorkflowException):
        return None


def _step(wf: Any, action: Callable[[], None]) -> StepOutcome:
    before = {task.id: task.state for task in wf.get_tasks()}
    completed_in_order: list[Any] = []
    try:
        action()
        wf.do_engine_steps(did_complete_task=completed_in_order.append)
    except (InvalidStateError, TaskNotReadyError):
        raise
    except (
        SpiffWorkflowException,
        UnsafeScriptError,
        NameError,
        TypeError,
        ValueError,
        KeyError,
        ZeroDivisionError,
        AttributeError,
        IndexError,
    ) as exc:
        raise ProcessError(f"the procedure could not continue: {_describe(exc)}") from exc
    errored = wf.get_tasks(state=TaskState.ERROR)
    if errored:
        raise ProcessError(
            f"the procedure stopped with an error at '{errored[0].task_spec.bpmn_id}'"
        )

    def newly_entered(task: Any) -> bool:
        return bool(task.task_spec.bpmn_id) and not (
            before.get(task.id, TaskState.FUTURE) & _ENTERED
        )

    entered = [t for t in completed_in_order if newly_entered(t)]
    seen = {t.id for t in entered}
    entered += [
        t
        for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
        if t.id not in seen and newly_entered(t)
    ]
    return _outcome(wf, tuple(t.task_spec.bpmn_id for t in entered))


def _outcome(wf: Any, entered: tuple[str, ...]) -> StepOutcome:
    ready = tuple(
        ReadyTask(str(t.id), t.task_spec.bpmn_id)
        for t in wf.get_tasks(state=TaskState.READY, manual=True)
    )
    waiting = tuple(
        t.task_spec.event_definition.name
        for t in wf.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
    )
    return StepOutcome(
        entered=entered,
        ready=ready,
        waiting_messages=waiting,
        completed=wf.is_completed(),
        data=_frontier_data(wf),
    )


def _frontier_data(wf: Any) -> dict[str, Any]:
    """The dossier's current data: what the open step sees, or what the process ended with."""
    open_tasks = wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
    if open_tasks:
        return dict(open_tasks[0].data)
    done = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    if done:
        return dict(max(done, key=lambda t: t.last_state_change).data)
    return dict(wf.data)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
