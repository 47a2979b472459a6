"""Run one step of a procedure: start, complete a user task, deliver a message, fire timers.

Each step reports what was *entered* (in order), so the engine can apply the status codes and
legal consequences the diagram declares on its nodes, which user tasks are now READY, which
timers fired and which wait. Steps run at the engine's `now` (see `engine.spiff.timing`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import InvalidStateError, ProcessError, TaskNotReadyError
from engine.spiff import limits, serializer
from engine.spiff.failures import describe_failure
from engine.spiff.parser import ParsedProcedure
from engine.spiff.scripting import UnsafeScriptError, make_script_engine
from engine.spiff.timing import (
    armed_cycle_problem,
    cycle_marker,
    engine_time,
    is_timer,
    parse_due,
    timer_due,
)

#: Rounds of one timer step: timers due at once may chain (a fired timer reaching another one
#: already due), and a cycle catching up fires once a round. A step stops after this many; what
#: is still due waits for the next step (the scheduler's next pass), so one step stays short.
MAX_TIMER_ROUNDS = 10
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_ENTERED = (
    TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
)


@dataclass(frozen=True, slots=True)
class ReadyTask:
    task_id: str
    bpmn_id: str
    #: The data the task sees. Inside a sub-process it can differ from the dossier's frontier
    #: data (e.g. a waiting timer of an event sub-process was copied before the last step).
    data: dict[str, Any] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TimerView:
    """A timer task of the workflow and when it fires (or fired), in UTC."""

    task_id: str
    bpmn_id: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class StepOutcome:
    entered: tuple[str, ...]
    ready: tuple[ReadyTask, ...]
    waiting_messages: tuple[str, ...]
    completed: bool
    data: dict[str, Any]
    #: Timers that fired during the step (also in `entered`), and those still to fire after it.
    fired_timers: tuple[TimerView, ...] = ()
    timers: tuple[TimerView, ...] = ()


class Workflow:
    """A live workflow instance; never shared between threads or requests.

    `now` is the moment its steps run at: SpiffWorkflow's timers are armed and checked against
    it (None: the wall clock).
    """

    def __init__(self, parsed: ParsedProcedure, workflow: Any, now: datetime | None) -> None:
        self.parsed = parsed
        self._wf = workflow
        self.now = now

    @property
    def instance(self) -> Any:
        """The SpiffWorkflow object, for the other modules of `engine.spiff` only."""
        return self._wf

    def dumps(self) -> str:
        return serializer.dumps(self._wf)

    def run_engine(self) -> StepOutcome:
        """Run what needs no person (e.g. after a migration) and report the step."""
        return _step(self._wf, lambda: None, self.now)

    def outcome(self) -> StepOutcome:
        return _outcome(self._wf, (), ())

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

        return _step(self._wf, action, self.now)

    def fire_due_timers(self) -> StepOutcome:
        """Fire every timer due by `now` and run the engine on (pitfall P3: refresh first).

        Use cases call this before every action; when no timer is due (nearly always) it only
        reports the workflow as it is, which costs a fraction of a timer step."""
        if not self._has_due_timers():
            return self.outcome()
        for task in self._wf.get_tasks(state=TaskState.WAITING):
            problem = armed_cycle_problem(task) if is_timer(task) else None
            if problem is not None:  # armed before the limits existed (docs/deadlines.md)
                raise ProcessError(f"timer '{task.task_spec.bpmn_id}' {problem}")
        return _step(self._wf, self._wf.refresh_timers, self.now, run_timers=True)

    def _has_due_timers(self) -> bool:
        now = self.now or _utc_now()
        for task in self._wf.get_tasks(state=TaskState.WAITING | TaskState.READY):
            if is_timer(task):
                due = timer_due(task)
                if due is None or due <= now:  # unknown counts as due: the step will tell
                    return True
        return False

    def cancel(self) -> StepOutcome:
        """End the process where it stands (a withdrawal, a stop): every task not finished is
        cancelled, so nothing is ready and no timer waits. The data stays what the open step
        saw."""
        data = _frontier_data(self._wf, self._wf.get_tasks())
        self._wf.cancel()
        return replace(_outcome(self._wf, (), ()), data=data)

    def at(self, now: datetime, functions: Mapping[str, Callable[..., Any]]) -> None:
        """Run the next steps at `now` with these diagram functions (replay moves one workflow
        from event to event; a live use case loads a fresh one instead)."""
        self.now = now
        self._wf.script_engine = make_script_engine(functions)

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

        return _step(self._wf, action, self.now)


def start(
    parsed: ParsedProcedure,
    initial_data: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
    *,
    now: datetime | None = None,
) -> tuple[Workflow, StepOutcome]:
    wf = BpmnWorkflow(
        parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine(functions)
    )
    wf.task_tree.data.update(dict(initial_data))
    workflow = Workflow(parsed, wf, now)
    return workflow, _step(wf, lambda: None, now)


def load(
    parsed: ParsedProcedure,
    state: str,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    *,
    now: datetime | None = None,
) -> Workflow:
    wf = serializer.loads(state, parsed.spec, parsed.subprocess_specs)
    wf.script_engine = make_script_engine(functions)  # not serialized (notes P12)
    return Workflow(parsed, wf, now)


def _task(wf: Any, task_id: str) -> Any:
    try:
        return wf.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, SpiffWorkflowException):
        return None


def _step(
    wf: Any, action: Callable[[], None], now: datetime | None, *, run_timers: bool = False
) -> StepOutcome:
    """Run `action` and the engine after it. do_engine_steps ends by refreshing timers, which
    leaves a timer that is due READY but not run (pitfall P3): a timer step (`run_timers`) runs on
    until nothing automatic is left; any other step leaves it for the next timer step, so that
    every firing is a step of its own."""
    # Walking the task tree is the costly part of a step's bookkeeping: walk it once before the
    # step and once after, and filter the lists.
    before: dict[Any, TaskState] = {}
    cycles: dict[Any, Any] = {}
    for task in wf.get_tasks():
        before[task.id] = task.state
        if task.state == TaskState.WAITING:
            cycles[task.id] = cycle_marker(task)
    completed_in_order: list[Any] = []
    # One meter for the whole step: every script, condition and engine task counts on it.
    with limits.metered() as meter:

        def did_complete(task: Any) -> None:
            completed_in_order.append(task)
            meter.task()

        try:
            with engine_time(now):
                action()
                wf.do_engine_steps(did_complete_task=did_complete)
                for _round in range(MAX_TIMER_ROUNDS if run_timers else 0):
                    if not wf.get_tasks(state=TaskState.READY, manual=False):
                        break
                    wf.do_engine_steps(did_complete_task=did_complete)
        except (InvalidStateError, TaskNotReadyError):
            raise
        except (
            SpiffWorkflowException,
            UnsafeScriptError,
            NameError,
            TypeError,
            ValueError,
            KeyError,
            ArithmeticError,
            AttributeError,
            IndexError,
            RecursionError,
            MemoryError,
        ) as exc:
            raise ProcessError(
                f"the procedure could not continue: {describe_failure(exc)}"
            ) from exc
    tasks = wf.get_tasks()
    _check_loop_instances(tasks)
    errored = _in_state(tasks, TaskState.ERROR)
    if errored:
        raise ProcessError(
            f"the procedure stopped with an error at '{errored[0].task_spec.bpmn_id}'"
        )

    fired = [t for t in tasks if is_timer(t) and _fired_now(t, before, cycles)]
    fired_ids = {t.id for t in fired}
    if run_timers:
        _refuse_stuck_cycles(tasks, cycles, now or _utc_now())

    def newly_entered(task: Any) -> bool:
        # A timer that fired counts as entered again: the event happened now.
        return bool(task.task_spec.bpmn_id) and (
            task.id in fired_ids or not (before.get(task.id, TaskState.FUTURE) & _ENTERED)
        )

    entered = [t for t in completed_in_order if newly_entered(t)]
    entered += [t for t in fired if t not in entered]  # cycles fire and stay WAITING
    seen = {t.id for t in entered}
    entered += [t for t in _in_state(tasks, _OPEN) if t.id not in seen and newly_entered(t)]
    fired_views = tuple(
        TimerView(str(t.id), t.task_spec.bpmn_id, _fired_due(t, cycles) or now or _utc_now())
        for t in fired
    )
    return _outcome(wf, tuple(t.task_spec.bpmn_id for t in entered), fired_views, tasks)


def _check_loop_instances(tasks: list[Any]) -> None:
    """No loop activity holds more than MAX_LOOP_ITERATIONS instances (e.g. a multi-instance
    over a list of thousands, which SpiffWorkflow creates at once)."""
    for task in tasks:
        spec = task.task_spec
        if isinstance(spec, LoopTask):
            count = sum(1 for child in task.children if child.task_spec.name == spec.task_spec)
            if count > limits.MAX_LOOP_ITERATIONS:
                raise ProcessError(
                    f"the procedure could not continue: loop '{spec.bpmn_id}' has {count} "
                    f"instances; at most {limits.MAX_LOOP_ITERATIONS} are allowed"
                )


def _refuse_stuck_cycles(tasks: list[Any], cycles: Mapping[Any, Any], now: datetime) -> None:
    """A cycle still due after a whole timer step whose next time did not move fires for ever
    (e.g. `R/PT0S` armed before the limits existed): the step fails, so it is parked."""
    for task in tasks:
        if task.id in cycles and task.state == TaskState.WAITING and cycles[task.id] is not None:
            due = timer_due(task)
            if due is not None and due <= now and cycle_marker(task) == cycles[task.id]:
                raise ProcessError(
                    f"timer '{task.task_spec.bpmn_id}' is due again at once each time it fires"
                )


def _fired_now(task: Any, before: Mapping[Any, Any], cycles: Mapping[Any, Any]) -> bool:
    if task.state == TaskState.WAITING:
        return task.id in cycles and cycle_marker(task) != cycles[task.id]
    # A catching timer completes only once it fired; one fired but not yet run is still due.
    was = before.get(task.id, TaskState.FUTURE)
    return task.state == TaskState.COMPLETED and not was & TaskState.FINISHED_MASK


def _fired_due(task: Any, cycles: Mapping[Any, Any]) -> datetime | None:
    """When a timer that just fired was due: a cycle's previous `next`, else its event value."""
    previous_cycle = cycles.get(task.id)
    return parse_due(previous_cycle) if previous_cycle is not None else timer_due(task)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _outcome(
    wf: Any,
    entered: tuple[str, ...],
    fired_timers: tuple[TimerView, ...],
    tasks: list[Any] | None = None,
) -> StepOutcome:
    """What the workflow looks like now; `tasks` are all its tasks, if just listed."""
    tasks = wf.get_tasks() if tasks is None else tasks
    ready = tuple(
        ReadyTask(str(t.id), t.task_spec.bpmn_id, dict(t.data))
        for t in _in_state(tasks, TaskState.READY)
        if t.task_spec.manual
    )
    waiting = tuple(
        t.task_spec.event_definition.name
        for t in _in_state(tasks, TaskState.WAITING)
        if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
    )
    waiting_timers = []  # waiting, or due and fired but not run yet: both await a timer step
    for task in _in_state(tasks, TaskState.WAITING | TaskState.READY):
        due = timer_due(task) if is_timer(task) else None
        if due is not None:
            waiting_timers.append(TimerView(str(task.id), task.task_spec.bpmn_id, due))
    return StepOutcome(
        entered=entered,
        ready=ready,
        waiting_messages=waiting,
        completed=wf.is_completed(),
        data=_frontier_data(wf, tasks),
        fired_timers=fired_timers,
        timers=tuple(waiting_timers),
    )


def _in_state(tasks: list[Any], state: TaskState) -> list[Any]:
    return [t for t in tasks if t.state & state]


def _frontier_data(wf: Any, tasks: list[Any]) -> dict[str, Any]:
    """The dossier's current data: what the open step sees, or what the process ended with."""
    open_tasks = _in_state(tasks, _OPEN)
    if open_tasks:
        return dict(open_tasks[0].data)
    done = [t for t in _in_state(tasks, TaskState.COMPLETED) if t.task_spec.bpmn_id]
    if done:
        return dict(max(done, key=lambda t: t.last_state_change).data)
    return dict(wf.data)
