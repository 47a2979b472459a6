"""Public statistics per online service (Circular 32/2017 art. 11; docs/reports.md): year to
date, how many dossiers the service received online, how many of those were resolved, the
share resolved on time, and how many it received on every channel. No login: these are counts,
never a dossier or a person. Computed with the handling report's rules (engine.queries.
handling_report), all units together, as of today (or the year's last day for a past year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.context import EngineContext
from engine.errors import FieldError, ValidationFailedError
from engine.queries.handling_report import classified
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

    @property
    def on_time_percent(self) -> float | None:
        """Resolved early or on time, of all resolved this year (every channel)."""
        return _percent(self.resolved_on_time, self.resolved)

    @property
    def online_on_time_percent(self) -> float | None:
        return _percent(self.online_resolved_on_time, self.online_resolved)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def service_statistics(
    ctx: EngineContext, procedure: str, year: int | None, unit: str | None = None
) -> ServiceStatistics:
    """`unit`: one unit's figures (the portal's per-unit table); None: every unit together."""
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
    scope = ReportScope([unit] if unit is not None else None, procedure)
    period = Period(start, end, min(today, end), ctx.tz)
    counts = {
        "online_received": 0,
        "online_resolved": 0,
        "online_on_time": 0,
        "received": 0,
        "resolved": 0,
        "on_time": 0,
    }
    for facts, figures in classified(ctx, period, scope):
        online = facts.channel == "online"
        on_time = "resolved_early" in figures or "resolved_on_time" in figures
        if "received" in figures:
            counts["received"] += 1
            counts["online_received"] += online
        if "resolved" in figures:
            counts["resolved"] += 1
            counts["on_time"] += on_time
            counts["online_resolved"] += online
            counts["online_on_time"] += online and on_time
    satisfaction = empty_tally()
    for rated in ratings_in(ctx, period, scope):
        for criterion, level in rated.ratings.items():
            if level in satisfaction.get(criterion, {}):
                satisfaction[criterion][level] += 1
    return ServiceStatistics(
        procedure=procedure,
        procedure_name=name,
        year=year,
        as_of=period.as_of,
        online_received=counts["online_received"],
        online_resolved=counts["online_resolved"],
        online_resolved_on_time=counts["online_on_time"],
        total_received=counts["received"],
        resolved=counts["resolved"],
        resolved_on_time=counts["on_time"],
        satisfaction=satisfaction,
    )
