"""Reads for the step timeliness report (docs/reports.md, "Timeliness per step"): from the
`work_item` projection, which keeps one row per user task a dossier ever had (opened at
`created_at`, closed at `completed_at` after `spent_seconds`, its step due `due_at` and its
`timeliness`), how many dossiers wait at each step now and how long completed steps took. The
projection is written in the same transaction as the `task_opened` / `task_completed` events;
a test recomputes the figures from the events and compares. Percentiles are read by rank from
an index that holds each step's times in order (ix_work_item_step_times), on SQLite and
PostgreSQL alike: a procedure's 100,000 dossiers are neither loaded nor sorted. Never
commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from storage.models import WorkItem
from storage.statuses import WorkItemStatus


@dataclass(frozen=True, slots=True)
class StepDurations:
    """Completed tasks of one step (BPMN id) in the period: how many, their times spent in
    hours (nearest-rank median and 90th percentile), how many had a step due, how many late."""

    bpmn_id: str
    completed: int
    median_hours: float
    p90_hours: float
    with_due: int
    late: int


@dataclass(frozen=True, slots=True)
class StepBacklog:
    """Open tasks of one step now: how many, and how many are past their step due."""

    bpmn_id: str
    name: str
    open: int
    overdue: int


class StepTimes:
    def __init__(self, session: Session) -> None:
        self.session = session

    def durations(
        self,
        procedure: str,
        units: Sequence[str] | None,
        *,
        completed_from: datetime,
        completed_before: datetime,
    ) -> list[StepDurations]:
        """Per step, the tasks completed in [completed_from, completed_before)."""
        scope = [
            WorkItem.procedure_key == procedure,
            WorkItem.status == WorkItemStatus.COMPLETED,
            WorkItem.completed_at >= completed_from,
            WorkItem.completed_at < completed_before,
        ]
        if units is not None:
            scope.append(WorkItem.unit_code.in_(list(units)))
        late = func.sum(case((WorkItem.timeliness == "late", 1), else_=0))
        totals = (
            select(WorkItem.bpmn_id, func.count(), func.count(WorkItem.due_at), late)
            .where(*scope)
            .group_by(WorkItem.bpmn_id)
        )
        found = []
        for bpmn_id, count, with_due, late_count in self.session.execute(totals).all():
            # nearest rank: the p-th percentile of n values is the ceil(p * n)-th smallest
            median = self._nth_fastest(scope, str(bpmn_id), (count + 1) // 2, count)
            p90 = self._nth_fastest(scope, str(bpmn_id), (9 * count + 9) // 10, count)
            found.append(
                StepDurations(
                    str(bpmn_id),
                    int(count),
                    median / 3600,
                    p90 / 3600,
                    int(with_due),
                    int(late_count or 0),
                )
            )
        return found

    def _nth_fastest(
        self, scope: list[ColumnElement[bool]], bpmn_id: str, rank: int, count: int
    ) -> float:
        """The rank-th smallest of the step's `count` times: ix_work_item_step_times walks the
        step's times in order from the nearer end (the 90th percentile from the slowest), so
        this reads at most half the step's index entries and sorts nothing."""
        spent = WorkItem.spent_seconds
        from_fastest = rank - 1 <= count - rank
        stmt = (
            select(spent)
            .where(*scope, WorkItem.bpmn_id == bpmn_id)
            .order_by(spent if from_fastest else spent.desc())
            .offset(rank - 1 if from_fastest else count - rank)
            .limit(1)
        )
        return float(self.session.scalar(stmt) or 0.0)

    def backlog(
        self, procedure: str, units: Sequence[str] | None, *, now: datetime
    ) -> list[StepBacklog]:
        """Per step, the tasks open now and those of them past their step due."""
        scope = [WorkItem.procedure_key == procedure, WorkItem.status == WorkItemStatus.OPEN]
        if units is not None:
            scope.append(WorkItem.unit_code.in_(list(units)))
        overdue = func.sum(case((WorkItem.due_at < now.astimezone(UTC), 1), else_=0))
        stmt = (
            select(WorkItem.bpmn_id, func.min(WorkItem.name), func.count(), overdue)
            .where(*scope)
            .group_by(WorkItem.bpmn_id)
        )
        return [
            StepBacklog(str(bpmn_id), str(name), int(count), int(late or 0))
            for bpmn_id, name, count, late in self.session.execute(stmt)
        ]
