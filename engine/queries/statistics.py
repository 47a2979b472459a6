"""Public statistics per online service (Circular 32/2017 art. 11; docs/reports.md): year to
date, how many dossiers the service received online, how many of those were resolved, the
share resolved on time, and how many it received on every channel. No login: these are counts,
never a dossier or a person. Computed with the handling report's rules (engine.queries.
handling_report), all units together, as of today (or the year's last day for a past year)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from engine.context import EngineContext
from engine.errors import FieldError, ValidationFailedError
from engine.queries.handling_report import figure_rows
from engine.queries.report_figures import REPORT_YEARS, Period
from engine.queries.satisfaction import Tally, empty_tally, ratings_in
from storage.report_projection import FigureRow
from storage.reports import ReportScope


@dataclass(frozen=True, slots=True)
class ServiceStatistics:
    procedure: str
    procedure_name: str
    year: int
    #: The figures count what was recorded up to the end of this day.
    as_of: date
    online_received: int
    online_resolved: int
    online_resolved_on_time: int
    total_received: int
    resolved: int
    resolved_on_time: int
    #: The ratings recorded this year (R-2.7): criterion -> level -> how many.
    satisfaction: Tally

    @property
    def on_time_percent(self) -> float | None:
        """Resolved early or on time, of all resolved this year (every channel)."""
        return _percent(self.resolved_on_time, self.resolved)

    @property
    def online_on_time_percent(self) -> float | None:
        return _percent(self.online_resolved_on_time, self.online_resolved)


def _sum(rows: list[FigureRow]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows:
        total.update(row.figures)
    return total


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def service_statistics(ctx: EngineContext, procedure: str, year: int | None) -> ServiceStatistics:
    today = ctx.clock.now().astimezone(ctx.tz).date()
    year = today.year if year is None else year
    if year not in REPORT_YEARS or year > today.year:
        raise ValidationFailedError(
            "no statistics for that year",
            [FieldError("year", f"a year from {REPORT_YEARS.start} to {today.year}")],
        )
    with ctx.uow(write=False) as uow:
        definition = uow.definitions.latest(procedure)
        if definition is None:
            raise ValidationFailedError(
                "no such procedure", [FieldError("procedure", f"no procedure {procedure}")]
            )
        name = definition.name
    start, end = date(year, 1, 1), date(year, 12, 31)
    period = Period(start, end, min(today, end), ctx.tz)
    every = _sum(figure_rows(ctx, period, ReportScope(None, procedure)))
    online = _sum(figure_rows(ctx, period, ReportScope(None, procedure, channel="online")))
    satisfaction = empty_tally()
    for rated in ratings_in(ctx, period, ReportScope(None, procedure)):
        for criterion, level in rated.ratings.items():
            if level in satisfaction.get(criterion, {}):
                satisfaction[criterion][level] += 1
    return ServiceStatistics(
        procedure=procedure,
        procedure_name=name,
        year=year,
        as_of=period.as_of,
        online_received=online["received"],
        online_resolved=online["resolved"],
        online_resolved_on_time=online["resolved_early"] + online["resolved_on_time"],
        total_received=every["received"],
        resolved=every["resolved"],
        resolved_on_time=every["resolved_early"] + every["resolved_on_time"],
        satisfaction=satisfaction,
    )
