"""Reads for the handling report (docs/reports.md): the events that decide a dossier's figures,
streamed in dossier order, as recorded up to a cut-off time. Never commits."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, Text, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from storage.account_models import User
from storage.audit_models import Event
from storage.models import Dossier, WorkItem
from storage.statuses import WorkItemStatus

STREAM_BATCH = 5000


class ReportEvent(NamedTuple):
    """One event of a dossier with the dossier's fixed facts (set at submission, never changed:
    unit, procedure, channel, code)."""

    dossier_id: int
    code: str
    unit_code: str
    procedure_key: str
    channel: int
    occurred_at: datetime
    type: str
    #: None for `dossier_submitted` (its payload, the whole form, is not needed here).
    payload: dict[str, Any] | None
    actor: str = ""


class ReportScope(NamedTuple):
    """Which dossiers: of these units (None: every unit) and this procedure (None: all), and
    (the public statistics) of this channel of submission (None: every channel)."""

    units: Sequence[str] | None
    procedure: str | None
    channel: str | None = None


def _events_with_dossier(*columns: Any) -> Select[*tuple[Any, ...]]:
    """Events joined to their dossier: what each report row reads of both, then `columns`."""
    return select(
        Event.dossier_id,
        Dossier.code,
        Dossier.unit_code,
        Dossier.procedure_key,
        Dossier.channel,
        Event.occurred_at,
        Event.type,
        *columns,
    ).join(Dossier, Dossier.id == Event.dossier_id)


class ReportEvents:
    def __init__(self, session: Session) -> None:
        self.session = session

    def stream_ratings(
        self,
        scope: ReportScope,
        types: Sequence[str],
        *,
        cutoff: datetime,
        period_end: datetime,
    ) -> Iterator[ReportEvent]:
        """The events of `types` before `cutoff` of the dossiers in `scope` closed before
        `period_end` (a rating comes after the result was returned), with their actors."""
        stmt: Select[*tuple[Any, ...]] = (
            _events_with_dossier(type_coerce(Event.payload, Text), Event.actor_username)
            .where(
                Event.type.in_(list(types)),
                Event.occurred_at < cutoff,
                Dossier.finished_at < period_end,
            )
            .order_by(Event.dossier_id, Event.id)
        )
        yield from self._rows(self._scoped(stmt, scope))

    def stream(
        self,
        scope: ReportScope,
        types: Sequence[str],
        *,
        cutoff: datetime,
        period_start: datetime,
        period_end: datetime,
    ) -> Iterator[ReportEvent]:
        """The events of `types` that occurred before `cutoff`, of the dossiers in `scope` that
        may count in the period: submitted before `period_end` and not closed before
        `period_start` (a dossier closed before the period is in none of its figures)."""
        payload = case(
            (Event.type == "dossier_submitted", literal(None)),
            else_=type_coerce(Event.payload, Text),
        )
        stmt: Select[*tuple[Any, ...]] = (
            _events_with_dossier(payload)
            .where(
                Event.type.in_(list(types)),
                Event.occurred_at < cutoff,
                Dossier.submitted_at < period_end,
                or_(Dossier.finished_at.is_(None), Dossier.finished_at >= period_start),
            )
            .order_by(Event.dossier_id, Event.id)
        )
        yield from self._rows(self._scoped(stmt, scope))

    def stream_dossiers(
        self, dossier_ids: Sequence[int] | None, types: Sequence[str]
    ) -> Iterator[ReportEvent]:
        """Every event of `types` of these dossiers (None: of every dossier), in dossier then
        event order: what the report's projection is folded from."""
        payload = case(
            (Event.type == "dossier_submitted", literal(None)),
            else_=type_coerce(Event.payload, Text),
        )
        stmt: Select[*tuple[Any, ...]] = _events_with_dossier(payload).where(
            Event.type.in_(list(types))
        )
        if dossier_ids is not None:
            stmt = stmt.where(Event.dossier_id.in_(list(dossier_ids)))
        yield from self._rows(stmt.order_by(Event.dossier_id, Event.id))

    @staticmethod
    def _scoped(stmt: Select[*tuple[Any, ...]], scope: ReportScope) -> Select[*tuple[Any, ...]]:
        if scope.units is not None:
            stmt = stmt.where(Dossier.unit_code.in_(list(scope.units)))
        if scope.procedure is not None:
            stmt = stmt.where(Dossier.procedure_key == scope.procedure)
        return stmt

    def _rows(self, stmt: Select[*tuple[Any, ...]]) -> Iterator[ReportEvent]:
        connection = self.session.connection()
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            # a server-side cursor (PostgreSQL) needs a transaction: the caller's snapshot
            stmt = stmt.execution_options(stream_results=True, yield_per=STREAM_BATCH)
        for batch in connection.execute(stmt).partitions(STREAM_BATCH):
            for row in batch:
                yield ReportEvent(
                    int(row[0]),
                    str(row[1]),
                    str(row[2]),
                    str(row[3]),
                    int(row[4]),
                    _aware(row[5]),
                    str(row[6]),
                    _document(row[7]),
                    str(row[8]) if len(row) > 8 else "",
                )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is UTC:  # UTCDateTime already made it so
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _document(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


class DueDossier(NamedTuple):
    """A dossier being handled with its due dates (the overdue report)."""

    id: int
    code: str
    unit_code: str
    procedure_key: str
    status: int
    received_at: datetime | None
    #: The statutory due date (`original_due_at`, else `due_at`): what makes a dossier late.
    statutory_due_at: datetime
    #: The appointment given to the applicant (moved by a Mẫu 04).
    appointment_at: datetime | None


class OpenStep(NamedTuple):
    dossier_id: int
    name: str
    bpmn_id: str
    role: str
    due_at: datetime | None
    officer: str | None
    officer_name: str | None
    claimed_at: datetime | None


class DueDossiers:
    """The dossiers whose statutory due date is at or before a moment, and their open steps."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(
        self,
        scope: ReportScope,
        statuses: Sequence[int],
        by: datetime,
        offset: int,
        limit: int,
    ) -> tuple[int, list[DueDossier]]:
        """How many dossiers in `statuses` are due at or before `by`, and one page of them, the
        earliest due first."""
        due = func.coalesce(Dossier.original_due_at, Dossier.due_at)
        where = [Dossier.status.in_(list(statuses)), due.is_not(None), due <= by]
        if scope.units is not None:
            where.append(Dossier.unit_code.in_(list(scope.units)))
        if scope.procedure is not None:
            where.append(Dossier.procedure_key == scope.procedure)
        total = self.session.execute(select(func.count()).where(*where)).scalar_one()
        stmt = (
            select(
                Dossier.id,
                Dossier.code,
                Dossier.unit_code,
                Dossier.procedure_key,
                Dossier.status,
                Dossier.received_at,
                due,
                Dossier.due_at,
            )
            .where(*where)
            .order_by(due, Dossier.code)
            .offset(offset)
            .limit(limit)
        )
        rows = [
            DueDossier(
                int(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                int(r[4]),
                _optional(r[5]),
                _aware(r[6]),
                _optional(r[7]),
            )
            for r in self.session.execute(stmt)
        ]
        return int(total), rows

    def open_steps(self, dossier_ids: Sequence[int]) -> list[OpenStep]:
        if not dossier_ids:
            return []
        stmt = (
            select(
                WorkItem.dossier_id,
                WorkItem.name,
                WorkItem.bpmn_id,
                WorkItem.role,
                WorkItem.due_at,
                WorkItem.claimed_by_username,
                User.full_name,
                WorkItem.claimed_at,
            )
            .outerjoin(User, User.id == WorkItem.claimed_by_id)
            .where(
                WorkItem.dossier_id.in_(list(dossier_ids)),
                WorkItem.status == WorkItemStatus.OPEN,
            )
            .order_by(WorkItem.dossier_id, WorkItem.created_at, WorkItem.id)
        )
        return [
            OpenStep(
                int(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                _optional(r[4]),
                r[5],
                r[6],
                _optional(r[7]),
            )
            for r in self.session.execute(stmt)
        ]


def _optional(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)
