"""The working calendar: read a year, and let administrators keep the yearly overrides.

Overrides are the government's yearly swaps and extra days off that the `holidays` package does
not know (R-4.1). Every change is an event on the `system` chain. Changing the calendar never
moves the appointment of a dossier already accepted (R-0.1): appointments are stored, not derived.
"""

from __future__ import annotations

from datetime import date

from engine import events
from engine.authz import Actor, ensure_admin
from engine.calendar import DayKind
from engine.context import EngineContext
from engine.deadlines import load_calendar
from engine.errors import FieldError, NotFoundError, ValidationFailedError
from engine.results import CalendarDayView, CalendarYearView, OverrideView
from engine.transactions import conflicts_as_errors
from storage.models import CalendarOverride

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NOTE = 300


def calendar_year(ctx: EngineContext, year: int) -> CalendarYearView:
    """Holidays, swapped working days and overrides of `year`, and the office hours.

    Raises:
        ValidationFailedError: a year outside 2000-2100.
    """
    _check_year(year)
    with ctx.uow(write=False) as uow:
        calendar = load_calendar(ctx, uow)
    return CalendarYearView(
        year=year,
        office_hours=[f"{a:%H:%M}-{b:%H:%M}" for a, b in calendar.hours.periods],
        days=[
            CalendarDayView(info.day, info.working, info.reason, info.day in calendar.overrides)
            for info in calendar.year(year)
        ],
    )


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
            "calendar_override_set",
            actor=actor,
            now=now,
            payload={**_payload(override), "previous": previous},
        )
        uow.commit()
        return _view(override)


def remove_override(ctx: EngineContext, actor: Actor, day: date) -> None:
    """Remove the override of `day`: the packaged holidays and weekdays decide again.

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
            "calendar_override_removed",
            actor=actor,
            now=now,
            payload={"previous": _payload(override)},
        )
        uow.calendar.delete(override)
        uow.commit()


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailedError(
            "no calendar for that year", [FieldError("year", f"a year in {MIN_YEAR}-{MAX_YEAR}")]
        )


def _payload(override: CalendarOverride) -> dict[str, str]:
    return {"day": override.day.isoformat(), "kind": override.kind, "note": override.note}


def _view(override: CalendarOverride) -> OverrideView:
    return OverrideView(override.day, override.kind, override.note, override.updated_by)
