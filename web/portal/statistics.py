"""Thống kê: how the agency performs on its online services (Circular 32/2017/TT-BTTTT art. 11),
year to date, with the rules of the service behind `GET /api/v1/public/statistics`
(`engine.queries.statistics`; `yearly_statistics` reads every procedure and unit in one pass):
per online service, dossiers received online, resolved, the share resolved on time and the
applicants' satisfaction; per unit the same counts.
Shown as bar charts (server-drawn SVG: no script, no inline style, the CSP stays strict) and as
tables, which are what a screen reader reads. No login: counts only, never a person."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template, request

from engine.context import EngineContext
from engine.queries import dossiers as queries
from engine.queries.statistics import ServiceStatistics, yearly_statistics
from engine.services import units
from web.context import engine
from web.portal import blp

#: Years offered in the selector, counting back from this one.
YEARS_SHOWN = 5
#: Seconds the figures of a year are kept per process (as the API keeps its own).
MAX_AGE = 300
SATISFIED = ("very_satisfied", "satisfied")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a table and one bar group of its chart."""

    name: str
    online_received: int
    online_resolved: int
    resolved: int
    resolved_on_time: int
    rated: int
    satisfied: int

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.resolved_on_time / self.resolved, 1) if self.resolved else None

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None


@dataclass(frozen=True, slots=True)
class Figures:
    year: int
    as_of: date
    services: list[Row]
    units: list[Row]
    total: Row


def row_of(name: str, stats: list[ServiceStatistics]) -> Row:
    """The figures of several services (or one) added up; satisfaction from 'overall'."""
    overall = [s.satisfaction.get("overall", {}) for s in stats]
    return Row(
        name=name,
        online_received=sum(s.online_received for s in stats),
        online_resolved=sum(s.online_resolved for s in stats),
        resolved=sum(s.resolved for s in stats),
        resolved_on_time=sum(s.resolved_on_time for s in stats),
        rated=sum(sum(levels.values()) for levels in overall),
        satisfied=sum(levels.get(level, 0) for levels in overall for level in SATISFIED),
    )


def figures(ctx: EngineContext, year: int) -> Figures:
    """Every procedure in the catalogue (zeros included) and every active unit, from one pass
    over the year's events (`yearly_statistics`: one line per procedure and unit)."""
    lines = yearly_statistics(ctx, year)
    services = [
        row_of(p.name, [s for s in lines if s.procedure == p.key])
        for p in queries.list_procedures(ctx)
    ]
    per_unit = [
        row_of(unit.name, [s for s in lines if s.unit == unit.code])
        for unit in units.all_units(ctx)
        if unit.active
    ]
    today = ctx.clock.now().astimezone(ctx.tz).date()
    as_of = min(today, date(year, 12, 31))
    return Figures(year, as_of, services, per_unit, row_of("", lines))


def cached_figures(ctx: EngineContext, year: int) -> Figures:
    """A year's figures at most `MAX_AGE` seconds old in this process (they count a year of
    events; the page is read far more often than they change)."""
    today = ctx.clock.now().astimezone(ctx.tz).date()
    cache: dict[tuple[int, date], tuple[float, Figures]]
    cache = current_app.extensions.setdefault("motcua_portal_statistics", {})
    hit = cache.get((year, today))
    if hit is not None and time.monotonic() - hit[0] < MAX_AGE:
        return hit[1]
    found = figures(ctx, year)
    if len(cache) > 50:
        cache.clear()
    cache[(year, today)] = (time.monotonic(), found)
    return found


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of an SVG chart: its label, its value as shown and its length in the chart's
    units (0-100)."""

    label: str
    value: str
    length: float


def bars(rows: list[Row], value: str) -> list[Bar]:
    """Bars of `value` (an attribute of Row) scaled to the largest; percentages to 100."""
    numbers = [getattr(row, value) for row in rows]
    percent = value.endswith("_percent")
    top = 100.0 if percent else float(max([n for n in numbers if n is not None] + [1]))
    return [
        Bar(
            label=row.name,
            value="—" if n is None else (f"{n:g} %".replace(".", ",") if percent else str(n)),
            length=0.0 if n is None else round(100 * n / top, 1),
        )
        for row, n in zip(rows, numbers, strict=True)
    ]


@blp.get("/thong-ke")
def statistics() -> str:
    """The year's statistics; `?nam=` picks another of the last five years."""
    ctx = engine()
    this_year = ctx.clock.now().astimezone(ctx.tz).year
    years = list(range(this_year, this_year - YEARS_SHOWN, -1))
    asked = request.args.get("nam", "")
    year = int(asked) if asked.isdigit() and int(asked) in years else this_year
    found = cached_figures(ctx, year)
    charts = [
        ("nhan-truc-tuyen", "Hồ sơ nhận trực tuyến", bars(found.services, "online_received")),
        ("dung-han", "Tỷ lệ giải quyết đúng hạn", bars(found.services, "on_time_percent")),
        ("hai-long", "Tỷ lệ hài lòng", bars(found.services, "satisfied_percent")),
    ]
    return render_template(
        "portal/statistics.html", figures=found, years=years, year=year, charts=charts
    )
