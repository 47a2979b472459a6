"""The handling report (docs/reports.md; R-6.1): per unit and procedure, for a period, what was
to be handled, what came of it and what is still pending, computed **as of** a day from the
audit events recorded up to the end of that day, so the same request gives the same figures
whenever it is made, however many events arrive afterwards.

Each dossier's events are folded, in the transaction that records them, into the moments that
decide its figures (`engine.report_projection`); a figure is the number of dossiers whose
moments meet its condition for the period, counted in SQL, and its drill-down is the list of
their codes. Every dossier
to handle in the period ends it in exactly one of resolved, refused, withdrawn, stopped or
pending, so `to_handle = resolved + refused + withdrawn + stopped + pending` (tested)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from engine.context import EngineContext
from engine.errors import FieldError, NotFoundError, PermissionDeniedError, ValidationFailedError
from engine.queries.report_figures import FIGURES, MAX_PERIOD_YEARS, REPORT_YEARS, Period
from engine.security.authz import Actor, Role
from storage.report_projection import Bounds, FigureRow
from storage.reports import ReportScope

#: (groups counted, groups in all): what a long report tells its caller as it goes.
Progress = Callable[[int, int], None]
PROGRESS_STEPS = 20
#: The count beside the 06a figures in the JSON answers (`as_plain_data`).
LATE_ACKNOWLEDGEMENTS = "late_acknowledgements"


# -- the query --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HandlingQuery:
    """What a report covers: one unit, the units of one level-1 group (`unit_group`, the last
    segment of their codes, e.g. H29), or every unit (neither); one procedure or all."""

    start: date
    end: date
    as_of: date | None = None
    unit: str | None = None
    unit_group: str | None = None
    procedure: str | None = None


@dataclass(frozen=True, slots=True)
class ReportRow:
    unit: str
    unit_name: str
    procedure: str
    procedure_name: str
    figures: dict[str, int]
    #: Its online dossiers of the period whose acknowledgement was flagged late (R-2.4) by the
    #: end of the as-of day: beside the 06a figures, with no drill-down.
    late_acknowledgements: int = 0


@dataclass(frozen=True, slots=True)
class HandlingReport:
    start: date
    end: date
    as_of: date
    unit: str | None
    unit_group: str | None
    procedure: str | None
    #: One row per unit and procedure with at least one non-zero figure, in code order.
    rows: list[ReportRow]
    total: dict[str, int]
    #: The scope's title, as the workbook prints it.
    scope_name: str
    #: The rows' `late_acknowledgements` summed.
    late_acknowledgements: int = 0


@dataclass(frozen=True, slots=True)
class DrilledDossier:
    code: str
    unit: str
    procedure: str


@dataclass(frozen=True, slots=True)
class ResolvedQuery:
    """A query checked (who may read it, its parameters) and turned into a period and scope."""

    period: Period
    scope: ReportScope
    unit_names: dict[str, str]
    procedure_names: dict[str, str]
    scope_name: str
    #: The unit reported on (a leader's own when they named none).
    unit: str | None


def handling_report(
    ctx: EngineContext, actor: Actor, query: HandlingQuery, progress: Progress | None = None
) -> HandlingReport:
    """The report; `progress(done, total)` is told after each group of units is counted (the
    command line's progress bar), which then counts them a group at a time."""
    resolved = resolve_query(ctx, actor, query)
    if progress is None:
        found = figure_rows(ctx, resolved.period, resolved.scope)
    else:
        units = resolved.scope.units or sorted(resolved.unit_names)
        found = figure_rows_by_group(ctx, resolved.period, resolved.scope, units, progress)
    late = late_acknowledgement_counts(ctx, resolved.period, resolved.scope)
    rows = [
        ReportRow(
            row.unit,
            resolved.unit_names.get(row.unit, row.unit),
            row.procedure,
            resolved.procedure_names.get(row.procedure, row.procedure),
            {name: row.figures[name] for name in FIGURES},
            late.get((row.unit, row.procedure), 0),
        )
        for row in found
    ]
    total = {name: sum(row.figures[name] for row in found) for name in FIGURES}
    period = resolved.period
    return HandlingReport(
        start=period.start,
        end=period.end,
        as_of=period.as_of,
        unit=resolved.unit,
        unit_group=query.unit_group,
        procedure=query.procedure,
        rows=rows,
        total=total,
        scope_name=resolved.scope_name,
        late_acknowledgements=sum(row.late_acknowledgements for row in rows),
    )


def as_plain_data(report: HandlingReport) -> dict[str, Any]:
    """The report as the API and the command line answer it in JSON: the late
    acknowledgements inside each row's figures and the total, beside the 06a figures."""
    data = asdict(report)
    for row, source in zip(data["rows"], report.rows, strict=True):
        del row[LATE_ACKNOWLEDGEMENTS]
        row["figures"] = {**source.figures, LATE_ACKNOWLEDGEMENTS: source.late_acknowledgements}
    del data[LATE_ACKNOWLEDGEMENTS]
    data["total"] = {**report.total, LATE_ACKNOWLEDGEMENTS: report.late_acknowledgements}
    return data


def late_acknowledgement_counts(
    ctx: EngineContext, period: Period, scope: ReportScope
) -> dict[tuple[str, str], int]:
    """Per (unit, procedure): the online dossiers received in the period whose acknowledgement
    the 2-hour check (`engine.services.acknowledgements`) had flagged before the end of the
    as-of day: a flag recorded later does not change a past day's report (R-6.1). Every such
    dossier counts as received in the period, so it always has its row."""
    with ctx.uow(write=False, snapshot=True) as uow:
        return uow.acknowledgements.late_per_row(scope, period.first, period.close, period.cutoff)


def handling_dossiers(
    ctx: EngineContext, actor: Actor, query: HandlingQuery, figure: str
) -> list[DrilledDossier]:
    """The dossiers behind one figure of the report, in code order."""
    if figure not in FIGURES:
        raise ValidationFailedError(
            "no such figure", [FieldError("figure", f"one of {', '.join(FIGURES)}")]
        )
    resolved = resolve_query(ctx, actor, query)
    bounds = Bounds(resolved.period.first, resolved.period.close)
    with ctx.uow(write=False, snapshot=True) as uow:
        found = uow.report_projection.codes(resolved.scope, bounds, figure)
    return [DrilledDossier(code, unit, procedure) for code, unit, procedure in found]


def figure_rows_by_group(
    ctx: EngineContext,
    period: Period,
    scope: ReportScope,
    units: Sequence[str],
    progress: Progress,
) -> list[FigureRow]:
    """`figure_rows` of `units`, `PROGRESS_STEPS` groups of them one after the other in one
    snapshot: the same rows, with news after each group."""
    size = max(1, -(-len(units) // PROGRESS_STEPS))
    groups = [units[n : n + size] for n in range(0, len(units), size)]
    bounds = Bounds(period.first, period.close)
    found: list[FigureRow] = []
    with ctx.uow(write=False, snapshot=True) as uow:
        for done, group in enumerate(groups, start=1):
            found += uow.report_projection.figures(scope._replace(units=group), bounds)
            progress(done, len(groups))
    return sorted(found, key=lambda row: (row.unit, row.procedure))


def figure_rows(ctx: EngineContext, period: Period, scope: ReportScope) -> list[FigureRow]:
    """Every figure per unit and procedure in the scope, from the projection of the events
    (`engine.report_projection`): the dossiers' stored moments against the period's bounds,
    in two aggregates over one snapshot."""
    with ctx.uow(write=False, snapshot=True) as uow:
        return uow.report_projection.figures(scope, Bounds(period.first, period.close))


def check_period(start: date, end: date, as_of: date | None, today: date) -> date:
    """The day the report is as of (today when not given); 422 naming the parameter."""
    for name, day in (("from", start), ("to", end), ("as_of", as_of)):
        if day is not None and day.year not in REPORT_YEARS:
            raise _invalid(name, f"must be a date from {REPORT_YEARS.start} to 2999")
    if end < start:
        raise _invalid("to", "must not be before 'from'")
    if end >= years_after(start, MAX_PERIOD_YEARS):
        raise _invalid("to", f"a report covers at most {MAX_PERIOD_YEARS} years")
    as_of = today if as_of is None else as_of
    if as_of < start:
        raise _invalid("as_of", "must not be before 'from'")
    if as_of > today:
        raise _invalid("as_of", "must not be after today: later events are not recorded yet")
    return as_of


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February: 1 March of a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _invalid(name: str, message: str) -> ValidationFailedError:
    return ValidationFailedError(
        "the report's parameters are not valid", [FieldError(name, message)]
    )


def ensure_can_read_reports(actor: Actor, unit: str | None) -> None:
    """Leaders read their unit's report; auditors and administrators every unit's."""
    if actor.has(Role.AUDITOR, Role.ADMIN):
        return
    if actor.has(Role.LEADER) and actor.unit_code is not None and unit == actor.unit_code:
        return
    raise PermissionDeniedError("reports are for the unit's leaders, auditors and administrators")


def resolve_query(ctx: EngineContext, actor: Actor, query: HandlingQuery) -> ResolvedQuery:
    unit = query.unit
    leader_only = actor.has(Role.LEADER) and not actor.has(Role.AUDITOR, Role.ADMIN)
    if unit is None and query.unit_group is None and leader_only:
        unit = actor.unit_code  # a leader's report is their unit's
    if query.unit is not None and query.unit_group is not None:
        raise _invalid("unit_group", "give either 'unit' or 'unit_group', not both")
    ensure_can_read_reports(actor, unit if query.unit_group is None else None)
    today = ctx.clock.now().astimezone(ctx.tz).date()
    as_of = check_period(query.start, query.end, query.as_of, today)
    with ctx.uow(write=False) as uow:
        unit_names = {u.code: u.name for u in uow.units.all()}
        procedure_names = {d.key: d.name for d in uow.definitions.all_latest()}
    if query.procedure is not None and query.procedure not in procedure_names:
        raise NotFoundError(f"no procedure {query.procedure}")
    units: Sequence[str] | None
    if unit is not None:
        if unit not in unit_names:
            raise NotFoundError(f"no unit {unit}")
        units, scope_name = [unit], unit_names[unit]
    elif query.unit_group is not None:
        units = sorted(c for c in unit_names if unit_group_of(c) == query.unit_group)
        if not units:
            raise NotFoundError(f"no unit's code ends in .{query.unit_group}")
        scope_name = f"Các đơn vị có mã cấp 1 {query.unit_group}"
    else:
        units, scope_name = None, "Toàn quốc (tất cả các đơn vị)"
    return ResolvedQuery(
        Period(query.start, query.end, as_of, ctx.tz),
        ReportScope(units, query.procedure),
        unit_names,
        procedure_names,
        scope_name,
        unit,
    )


def unit_group_of(unit_code: str) -> str:
    """The level-1 segment of a unit's identifier code (Circular 10/2016: V1V2V3.Z1Z2.Y1Y2.MX1X2),
    e.g. "H29" for 000.00.07.H29: the roll-up groups the units that share it."""
    return unit_code.rsplit(".", 1)[-1]
