"""Reads for the step timeliness report (docs/reports.md, "Timeliness per step"): from the
`work_item` projection, which keeps one row per user task a dossier ever had (opened at
`created_at`, closed at `completed_at`, its step due `due_at` and its `timeliness`), how many
dossiers wait at each step now and how long completed steps took. The projection is written in
the same transaction as the `task_opened` / `task_completed` events; a test recomputes the
figures from the events and compares. Percentiles are computed in the database (window
functions, on SQLite and PostgreSQL alike), so a procedure's 100,000 dossiers are never loaded
into Python. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, select
from sqlalchemy.orm import Session

from storage.models import WorkItem
from storage.statuses import WorkItemStatus


@dataclass(frozen=True, slots=True)
class StepDurations:
    """Completed tasks of one step (BPMN id) in the period: how many, their times spent in
    hours (nearest-rank median and 90th percentile), how many had a step due, how many late."""

    bpmn_id: str
    name: str
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
        hours = self._hours(WorkItem.created_at, WorkItem.completed_at).label("hours")
        ranked = (
            select(
                WorkItem.bpmn_id,
                hours,
                func.row_number().over(partition_by=WorkItem.bpmn_id, order_by=hours).label("rank"),
                func.count().over(partition_by=WorkItem.bpmn_id).label("n"),
            )
            .where(*scope)
            .subquery()
        )
        # nearest rank: the p-th percentile of n values is the ceil(p * n)-th smallest
        median_rank = (ranked.c.n + 1) // 2
        p90_rank = (ranked.c.n * 9 + 9) // 10
        picks = select(
            ranked.c.bpmn_id, ranked.c.hours, ranked.c.rank, median_rank, p90_rank
        ).where((ranked.c.rank == median_rank) | (ranked.c.rank == p90_rank))
        percentiles: dict[str, list[float]] = {}
        for bpmn_id, value, rank, median_at, p90_at in self.session.execute(picks):
            found = percentiles.setdefault(str(bpmn_id), [0.0, 0.0])
            if rank == median_at:
                found[0] = float(value)
            if rank == p90_at:
                found[1] = float(value)
        late = func.sum(case((WorkItem.timeliness == "late", 1), else_=0))
        with_due = func.count(WorkItem.due_at)
        totals = (
            select(WorkItem.bpmn_id, func.min(WorkItem.name), func.count(), with_due, late)
            .where(*scope)
            .group_by(WorkItem.bpmn_id)
        )
        return [
            StepDurations(
                str(bpmn_id),
                str(name),
                int(count),
                percentiles.get(str(bpmn_id), [0.0, 0.0])[0],
                percentiles.get(str(bpmn_id), [0.0, 0.0])[1],
                int(due_count),
                int(late_count or 0),
            )
            for bpmn_id, name, count, due_count, late_count in self.session.execute(totals)
        ]

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

    def _hours(self, start: Any, stop: Any) -> ColumnElement[Any]:
        """Wall-clock hours between two UTC columns, on either database."""
        if self.session.get_bind().dialect.name == "sqlite":
            return (func.julianday(stop) - func.julianday(start)) * literal(24.0)
        seconds = func.extract("epoch", stop - start)
        return cast(seconds, Float) / literal(3600.0)
