"""The working calendar: read a year (with where each day comes from), list the registered
calendar data versions, register the repository's, and let administrators keep overrides.

Overrides are decisions an administrator records for days the registered calendar data does not
have yet (a swap announced mid-year, R-4.1). Every change is an event on the `system` chain.
Changing the calendar never moves a date already computed (R-0.1): dates are stored, not
derived; see `engine.calendar.versions` for which calendar each later computation uses.
"""

from __future__ import annotations

from datetime import date

from engine import events
from engine.calendar import versions as calendar_versions
from engine.calendar.data import CalendarDataSet, Notice
from engine.calendar.working_days import DayInfo, DayKind, DayOverride
from engine.context import EngineContext
from engine.errors import FieldError, NotFoundError, ValidationFailedError
from engine.event_types import EventType
from engine.results import (
    CalendarDayView,
    CalendarVersionView,
    CalendarYearView,
    OfficialNoticeView,
    OverrideView,
)
from engine.security.authz import Actor, ensure_admin
from engine.system_event_types import CalendarOverrideRemoved, CalendarOverrideSet, OverriddenDay
from engine.transactions import conflicts_as_errors
from storage.models import CalendarOverride
from storage.record_models import CalendarVersion

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NOTE = 300


def calendar_year(ctx: EngineContext, year: int, version: int | None = None) -> CalendarYearView:
    """The days of `year` that are not ordinary weekdays or weekends, each with its source
    (an announced year's data file and notice, an estimate, an override), and the office hours;
    on the calendar data version in force, or on `version`.

    Raises:
        ValidationFailedError: a year outside 2000-2100.
        NotFoundError: no such calendar data version.
    """
    _check_year(year)
    with ctx.uow(write=False) as uow:
        row = (
            uow.calendar_versions.latest()
            if version is None
            else uow.calendar_versions.get(version)
        )
        if version is not None and row is None:
            raise NotFoundError(f"no calendar data version {version}")
        stored = {o.day: _view(o) for o in uow.calendar.all()}
        overrides = [DayOverride(d, DayKind(o.kind), o.note) for d, o in stored.items()]
        data = calendar_versions.data_of(ctx, uow, row)
        calendar = calendar_versions.build(ctx, uow, row, overrides)
        shown = _version(row) if row is not None else None
    year_data = data.year_data(year)
    return CalendarYearView(
        year=year,
        office_hours=[f"{a:%H:%M}-{b:%H:%M}" for a, b in calendar.hours.periods],
        days=[_day(info, stored.get(info.day), data) for info in calendar.year(year)],
        status=year_data.status if year_data else "estimated",
        origin=year_data.source if year_data else "",
        notices=[_notice(n) for n in year_data.notices] if year_data else [],
        calendar_version=shown,
    )


def _day(info: DayInfo, override: OverrideView | None, data: CalendarDataSet) -> CalendarDayView:
    """A listed day and where it comes from: an override, else the data of its year."""
    entry = data.entry(info.day)
    year = data.year_data(info.day.year)
    if override is not None:
        source, origin, basis, notice = "override", override.updated_by, override.note, None
    elif entry is not None and year is not None:
        source, origin, basis = year.status, year.source, entry.basis
        notice = _notice(entry.notice) if entry.notice else None
    else:  # every listed day is in the data or overridden; keep the type checker honest
        source, origin, basis, notice = "estimated", "", "", None
    return CalendarDayView(
        info.day, info.working, info.reason, override is not None, source, origin, basis, notice
    )


def list_versions(ctx: EngineContext) -> list[CalendarVersionView]:
    """Every registered calendar data version, oldest first."""
    with ctx.uow(write=False) as uow:
        return [_version(row) for row in uow.calendar_versions.all()]


def register_repository_data(ctx: EngineContext, actor: Actor) -> tuple[CalendarVersionView, bool]:
    """Register this deployment's calendar data (year files, estimates, office hours) as the
    version in force if its content changed (`motcua migrate` does this); dossiers already
    accepted keep theirs. Returns the version in force and whether it is new.

    Raises:
        PermissionDeniedError: not an administrator.
    """
    ensure_admin(actor)
    data = calendar_versions.repository_data(ctx)
    with conflicts_as_errors(), ctx.uow() as uow:
        before = uow.calendar_versions.latest()
        number = calendar_versions.register(uow, actor, ctx.clock.now(), data)
        uow.commit()
    with ctx.uow(write=False) as uow:
        row = uow.calendar_versions.get(number)
        assert row is not None
        return _version(row), before is None or before.version != number


def list_overrides(ctx: EngineContext) -> list[OverrideView]:
    with ctx.uow(write=False) as uow:
        return [_view(o) for o in uow.calendar.all()]


def set_override(
    ctx: EngineContext, actor: Actor, day: date, kind: str, note: str = ""
) -> OverrideView:
    """Declare `day` a working day (`workday`) or a day off (`day_off`); replaces any earlier
    override of that day.

    Raises:
        PermissionDeniedError: not an administrator.
        ValidationFailedError: unknown kind, a year out of range or a note too long.
    """
    ensure_admin(actor)
    errors = []
    if kind not in {k.value for k in DayKind}:
        errors.append(FieldError("kind", f"one of {', '.join(k.value for k in DayKind)}"))
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors.append(FieldError("day", f"a date in {MIN_YEAR}-{MAX_YEAR}"))
    if len(note) > MAX_NOTE:
        errors.append(FieldError("note", f"at most {MAX_NOTE} characters"))
    if errors:
        raise ValidationFailedError("the calendar override is not valid", errors)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        override = uow.calendar.get(day)
        previous = _payload(override) if override is not None else None
        if override is None:
            override = CalendarOverride(day=day)
            uow.calendar.add(override)
        override.kind, override.note = kind, note.strip()
        override.updated_at, override.updated_by = now, actor.username
        events.record_system(
            uow,
            EventType.CALENDAR_OVERRIDE_SET,
            actor=actor,
            now=now,
            payload=CalendarOverrideSet(
                day=override.day.isoformat(),
                kind=override.kind,
                note=override.note,
                previous=previous,
            ),
        )
        uow.commit()
        return _view(override)


def remove_override(ctx: EngineContext, actor: Actor, day: date) -> None:
    """Remove the override of `day`: the calendar data and weekdays decide again.

    Raises:
        PermissionDeniedError: not an administrator.
        NotFoundError: `day` has no override.
    """
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        override = uow.calendar.get(day)
        if override is None:
            raise NotFoundError(f"{day.isoformat()} has no calendar override")
        events.record_system(
            uow,
            EventType.CALENDAR_OVERRIDE_REMOVED,
            actor=actor,
            now=now,
            payload=CalendarOverrideRemoved(previous=_payload(override)),
        )
        uow.calendar.delete(override)
        uow.commit()


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailedError(
            "no calendar for that year", [FieldError("year", f"a year in {MIN_YEAR}-{MAX_YEAR}")]
        )


def _payload(override: CalendarOverride) -> OverriddenDay:
    return OverriddenDay(day=override.day.isoformat(), kind=override.kind, note=override.note)


def _view(override: CalendarOverride) -> OverrideView:
    return OverrideView(override.day, override.kind, override.note, override.updated_by)


def _notice(notice: Notice) -> OfficialNoticeView:
    return OfficialNoticeView(notice.number, notice.day, notice.issuer, notice.subject)


def _version(row: CalendarVersion) -> CalendarVersionView:
    return CalendarVersionView(row.version, row.content_hash, row.registered_at, row.registered_by)
