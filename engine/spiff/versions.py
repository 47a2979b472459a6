"""Compare two versions of a procedure and move a running workflow from one to the other.

SpiffWorkflow's `SpecDiff`/`diff_workflow` align task specs by BPMN id (reference notes 1.8).
A migration is refused when a step that already ran was changed or removed, when the dossier
stands on a step the new version no longer has, or when a called process disappeared. Only
READY tasks are re-predicted (`reset_mask=READY`, pitfall P6): WAITING timers keep the due time
they were given, and any timer re-armed anyway is set back to its old due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import MigrationRefusedError
from engine.spiff import serializer
from engine.spiff.parser import ParsedProcedure
from engine.spiff.runtime import StepOutcome, Workflow
from engine.spiff.timing import engine_time

_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True, slots=True)
class TaskChange:
    """One flow node that differs between two versions."""

    bpmn_id: str
    name: str
    kind: str
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpecChanges:
    added: tuple[TaskChange, ...]
    removed: tuple[TaskChange, ...]
    changed: tuple[TaskChange, ...]


@dataclass(frozen=True, slots=True)
class MigrationOutcome:
    step: StepOutcome
    changes: SpecChanges
    #: bpmn id -> due time (ISO, UTC) of every timer still waiting; unchanged by the migration.
    timers: dict[str, str]


def spec_changes(old: ParsedProcedure, new: ParsedProcedure) -> SpecChanges:
    """Flow nodes added, removed and changed from `old` to `new` (called processes included)."""
    pairs = [(old.spec, new.spec)]
    pairs += [
        (spec, new.subprocess_specs[name])
        for name, spec in old.subprocess_specs.items()
        if name in new.subprocess_specs
    ]
    added: list[TaskChange] = []
    removed: list[TaskChange] = []
    changed: list[TaskChange] = []
    for before, after in pairs:
        diff = SpecDiff(serializer.REGISTRY, before, after)
        added += [_change(spec) for spec in diff.added if spec.bpmn_id]
        removed += [_change(spec) for spec in diff.removed if spec.bpmn_id]
        changed += [  # named as in the new version
            _change(diff.alignment[spec], attributes)
            for spec, attributes in diff.changed.items()
            if spec.bpmn_id
        ]
    for name, spec in new.subprocess_specs.items():
        if name not in old.subprocess_specs:
            added += [_change(s) for s in spec.task_specs.values() if s.bpmn_id]
    for name, spec in old.subprocess_specs.items():
        if name not in new.subprocess_specs:
            removed += [_change(s) for s in spec.task_specs.values() if s.bpmn_id]
    return SpecChanges(tuple(added), tuple(removed), tuple(changed))


def migrate(workflow: Workflow, new: ParsedProcedure) -> MigrationOutcome:
    """Move `workflow` onto `new` in place, keeping its timers' due times.

    Raises:
        MigrationRefusedError: the diff says the move is not safe; says why.
    """
    wf = workflow.instance
    old = workflow.parsed
    top_diff, sub_diffs = diff_workflow(serializer.REGISTRY, wf, new.spec, new.subprocess_specs)
    reasons = _unsafe(top_diff)
    for sp_id, sub_diff in sub_diffs.items():
        name = wf.subprocesses[sp_id].spec.name
        if sub_diff is None:
            reasons.append(f"the called process '{name}' is not in the new version")
        else:
            reasons += _unsafe(sub_diff)
    if reasons:
        raise MigrationRefusedError(
            "the dossier cannot move to the new version: " + "; ".join(reasons)
        )

    timers = timer_due_times(workflow)
    try:
        with engine_time(workflow.now):  # a re-armed timer reads the step's clock
            migrate_workflow(top_diff, wf, new.spec, reset_mask=TaskState.READY)
            wf.subprocess_specs = new.subprocess_specs
            for sp_id, sub_diff in sub_diffs.items():
                sub = wf.subprocesses[sp_id]
                migrate_workflow(
                    sub_diff, sub, new.subprocess_specs[sub.spec.name], reset_mask=TaskState.READY
                )
        _restore_timers(wf, timers)
        stale = sorted({t.task_spec.name for t in wf.get_tasks() if not _belongs(t.task_spec, new)})
        if stale:
            raise MigrationRefusedError(
                "the dossier cannot move to the new version: steps "
                f"{', '.join(stale)} would be left without a definition"
            )
        workflow.parsed = new
        outcome = workflow.run_engine()
    except SpiffWorkflowException as exc:
        raise MigrationRefusedError(f"the BPMN engine refused the migration: {exc}") from exc
    return MigrationOutcome(outcome, spec_changes(old, new), timer_due_times(workflow))


def timer_due_times(workflow: Workflow) -> dict[str, str]:
    """bpmn id -> due time of each timer the workflow waits for (reference notes 1.4)."""
    return {
        task.task_spec.bpmn_id: str(task._get_internal_data("event_value"))
        for task in workflow.instance.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)
        and task._get_internal_data("event_value") is not None
    }


def _unsafe(diff: Any) -> list[str]:
    reasons = []
    for task in diff.changed:
        if task.state == TaskState.COMPLETED and task.task_spec.bpmn_id:
            reasons.append(f"step '{task.task_spec.bpmn_id}' already ran and was changed")
    for task in diff.removed:
        if task.state & (TaskState.COMPLETED | _OPEN) and task.task_spec.bpmn_id:
            where = "already ran" if task.state == TaskState.COMPLETED else "is open"
            reasons.append(f"step '{task.task_spec.bpmn_id}' {where} and was removed")
    return sorted(set(reasons))


def _restore_timers(wf: Any, before: dict[str, str]) -> None:
    for task in wf.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        old = before.get(task.task_spec.bpmn_id)
        if isinstance(definition, TimerEventDefinition) and old is not None:
            task._set_internal_data(event_value=old)


def _belongs(task_spec: Any, parsed: ParsedProcedure) -> bool:
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    return any(spec.task_specs.get(task_spec.name) is task_spec for spec in specs)


def _change(spec: Any, attributes: list[str] | None = None) -> TaskChange:
    return TaskChange(
        bpmn_id=str(spec.bpmn_id),
        name=str(spec.bpmn_name or spec.bpmn_id),
        kind=type(spec).__name__,
        attributes=tuple(attributes or ()),
    )
