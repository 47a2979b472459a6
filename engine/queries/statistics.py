"""Public statistics per online service (Circular 32/2017 art. 11; docs/reports.md): year to
date, how many dossiers the service received online, how many of those were resolved, the
share resolved on time, and how many it received on every channel. No login: these are counts,
never a dossier or a person. Computed with the handling report's rules (engine.queries.
handling_report), all units together, as of today (or the year's last day for a past year).
`yearly_statistics` gives the same figures for every procedure and unit in one pass (the
portal's statistics page)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from engine.context import EngineContext
from engine.errors import FieldError, NotFoundError, ValidationFailedError
from engine.queries.handling_report import figure_rows
from engine.queries.report_figures import REPORT_YEARS, Period
from engine.queries.satisfaction import Tally, empty_tally, ratings_in
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
    #: One unit's figures (`yearly_statistics`); None: every unit together.
    unit: str | None = None

    @property
    def on_time_percent(self) -> float | None:
        """Resolved early or on time, of all resolved this year (every channel)."""
        return _percent(self.resolved_on_time, self.resolved)

    @property
    def online_on_time_percent(self) -> float | None:
        return _percent(self.online_resolved_on_time, self.online_resolved)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def service_statistics(ctx: EngineContext, procedure: str, year: int | None) -> ServiceStatistics:
    today = ctx.clock.now().astimezone(ctx.tz).date()
    year = _checked_year(year, today)
    with ctx.uow(write=False) as uow:
        definition = uow.definitions.latest(procedure)
        if definition is None:
            raise NotFoundError(f"no procedure {procedure}")
        name = definition.name
    period = _period(year, today, ctx)
    found = _tallies(ctx, period, ReportScope(None, procedure), by_unit=False)
    counts, satisfaction = found.get((procedure, ""), (_Counts(), empty_tally()))
    return counts.statistics(procedure, name, year, period.as_of, satisfaction)


def yearly_statistics(ctx: EngineContext, year: int | None) -> list[ServiceStatistics]:
    """`service_statistics` of every (procedure, unit) that has figures in the year, read in one
    pass over the year's events; `procedure_name` is the procedure's. Sum them for a
    procedure's or a unit's total (satisfaction: add the tallies)."""
    today = ctx.clock.now().astimezone(ctx.tz).date()
    year = _checked_year(year, today)
    with ctx.uow(write=False) as uow:
        names = {d.key: d.name for d in uow.definitions.all_latest()}
    period = _period(year, today, ctx)
    found = _tallies(ctx, period, ReportScope(None, None), by_unit=True)
    return [
        counts.statistics(
            procedure, names.get(procedure, procedure), year, period.as_of, tally, unit
        )
        for (procedure, unit), (counts, tally) in sorted(found.items())
    ]


def _checked_year(year: int | None, today: date) -> int:
    year = today.year if year is None else year
    if year not in REPORT_YEARS or year > today.year:
        raise ValidationFailedError(
            "no statistics for that year",
            [FieldError("year", f"a year from {REPORT_YEARS.start} to {today.year}")],
        )
    return year


def _period(year: int, today: date, ctx: EngineContext) -> Period:
    start, end = date(year, 1, 1), date(year, 12, 31)
    return Period(start, end, min(today, end), ctx.tz)


@dataclass(slots=True)
class _Counts:
    online_received: int = 0
    online_resolved: int = 0
    online_on_time: int = 0
    received: int = 0
    resolved: int = 0
    on_time: int = 0

    def add(self, figures: dict[str, int], *, online: bool) -> None:
        received, resolved = figures.get("received", 0), figures.get("resolved", 0)
        on_time = figures.get("resolved_early", 0) + figures.get("resolved_on_time", 0)
        if online:
            self.online_received += received
            self.online_resolved += resolved
            self.online_on_time += on_time
        else:
            self.received += received
            self.resolved += resolved
            self.on_time += on_time

    def statistics(
        self,
        procedure: str,
        name: str,
        year: int,
        as_of: date,
        satisfaction: Tally,
        unit: str | None = None,
    ) -> ServiceStatistics:
        return ServiceStatistics(
            procedure=procedure,
            procedure_name=name,
            year=year,
            as_of=as_of,
            online_received=self.online_received,
            online_resolved=self.online_resolved,
            online_resolved_on_time=self.online_on_time,
            total_received=self.received,
            resolved=self.resolved,
            resolved_on_time=self.on_time,
            satisfaction=satisfaction,
            unit=unit,
        )


def _tallies(
    ctx: EngineContext, period: Period, scope: ReportScope, *, by_unit: bool
) -> dict[tuple[str, str], tuple[_Counts, Tally]]:
    """Counts and ratings by (procedure, unit), or by (procedure, "") when not `by_unit`."""
    found: defaultdict[tuple[str, str], tuple[_Counts, Tally]] = defaultdict(
        lambda: (_Counts(), empty_tally())
    )
    # Two aggregates over the report's projection: every channel, then online only.
    for rows, online in (
        (figure_rows(ctx, period, scope), False),
        (figure_rows(ctx, period, scope._replace(channel="online")), True),
    ):
        for row in rows:
            counts = found[(row.procedure, row.unit if by_unit else "")][0]
            counts.add(row.figures, online=online)
    for rated in ratings_in(ctx, period, scope):
        satisfaction = found[(rated.procedure, rated.unit if by_unit else "")][1]
        for criterion, level in rated.ratings.items():
            if level in satisfaction.get(criterion, {}):
                satisfaction[criterion][level] += 1
    return dict(found)
