"""Satisfaction ratings counted (R-2.7; docs/reports.md): the ratings recorded in a period, as of
a day, per unit and procedure and per officer who handled the dossier (completed one of its
steps before the rating), criterion by criterion and level by level. From the audit events,
like the handling report, with the same parameters and the same readers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import cast

from engine.context import EngineContext
from engine.event_types import (
    SATISFACTION_CRITERIA,
    SATISFACTION_LEVELS,
    EventType,
    SatisfactionRated,
)
from engine.queries.handling_report import HandlingQuery, resolve_query
from engine.queries.report_figures import Period
from engine.security.authz import Actor
from storage.reports import ReportEvent, ReportScope

#: criterion -> level -> how many ratings.
Tally = dict[str, dict[str, int]]


def empty_tally() -> Tally:
    return {c: dict.fromkeys(SATISFACTION_LEVELS, 0) for c in SATISFACTION_CRITERIA}


def _add(tally: Tally, ratings: dict[str, str]) -> None:
    for criterion, level in ratings.items():
        if criterion in tally and level in tally[criterion]:
            tally[criterion][level] += 1


@dataclass(frozen=True, slots=True)
class SatisfactionRow:
    #: "unit/procedure" rows carry both; officer rows the officer's username.
    unit: str | None
    procedure: str | None
    officer: str | None
    #: Dossiers rated (at least one criterion) in the period.
    dossiers: int
    tally: Tally


@dataclass(frozen=True, slots=True)
class SatisfactionReport:
    start: date
    end: date
    as_of: date
    unit: str | None
    unit_group: str | None
    procedure: str | None
    by_unit_procedure: list[SatisfactionRow]
    by_officer: list[SatisfactionRow]
    total: SatisfactionRow


@dataclass(slots=True)
class _Rated:
    unit: str
    procedure: str
    officers: set[str]
    ratings: dict[str, str]


def ratings_in(ctx: EngineContext, period: Period, scope: ReportScope) -> Iterator[_Rated]:
    """Each dossier rated in the period: what of it was rated then, and who handled it."""
    with ctx.uow(write=False, snapshot=True) as uow:
        stream = uow.reports.stream_ratings(
            scope,
            [EventType.SATISFACTION_RATED, EventType.TASK_COMPLETED],
            cutoff=period.cutoff,
            period_end=period.close,
        )
        yield from _fold(stream, period)


def _fold(stream: Iterator[ReportEvent], period: Period) -> Iterator[_Rated]:
    current: _Rated | None = None
    current_id = -1
    for event in stream:
        if event.dossier_id != current_id:
            if current is not None and current.ratings:
                yield current
            current_id = event.dossier_id
            current = _Rated(event.unit_code, event.procedure_key, set(), {})
        assert current is not None
        if event.type == EventType.TASK_COMPLETED:
            current.officers.add(event.actor)
        elif period.first <= event.occurred_at < period.close:
            current.ratings |= cast(SatisfactionRated, event.payload or {}).get("ratings", {})
    if current is not None and current.ratings:
        yield current


def satisfaction_report(
    ctx: EngineContext, actor: Actor, query: HandlingQuery
) -> SatisfactionReport:
    resolved = resolve_query(ctx, actor, query)
    places: dict[tuple[str, str], SatisfactionRow] = {}
    officers: dict[str, SatisfactionRow] = {}
    total = SatisfactionRow(None, None, None, 0, empty_tally())
    counts: dict[tuple[str | None, str | None, str | None], int] = {}
    for rated in ratings_in(ctx, resolved.period, resolved.scope):
        rows = [
            places.setdefault(
                (rated.unit, rated.procedure),
                SatisfactionRow(rated.unit, rated.procedure, None, 0, empty_tally()),
            ),
            total,
        ]
        rows += [
            officers.setdefault(name, SatisfactionRow(None, None, name, 0, empty_tally()))
            for name in sorted(rated.officers)
        ]
        for row in rows:
            _add(row.tally, rated.ratings)
            key = (row.unit, row.procedure, row.officer)
            counts[key] = counts.get(key, 0) + 1

    def counted(row: SatisfactionRow) -> SatisfactionRow:
        return SatisfactionRow(
            row.unit,
            row.procedure,
            row.officer,
            counts.get((row.unit, row.procedure, row.officer), 0),
            row.tally,
        )

    period = resolved.period
    return SatisfactionReport(
        start=period.start,
        end=period.end,
        as_of=period.as_of,
        unit=resolved.unit,
        unit_group=query.unit_group,
        procedure=query.procedure,
        by_unit_procedure=[counted(places[k]) for k in sorted(places)],
        by_officer=[counted(officers[k]) for k in sorted(officers)],
        total=counted(total),
    )
