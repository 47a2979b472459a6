"""Reads for the handling report (docs/reports.md): the events that decide a dossier's figures,
streamed in dossier order, as recorded up to a cut-off time. Never commits."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, Text, case, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from storage.models import Dossier, Event

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
    """Which dossiers: of these units (None: every unit) and this procedure (None: all)."""

    units: Sequence[str] | None
    procedure: str | None


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
