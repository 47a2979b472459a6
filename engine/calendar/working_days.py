"""Working-day arithmetic, pure, for Vietnamese public administration (docs/domain.md section 4).

A day is a working day when it is Monday to Friday and not a public holiday or compensatory day
off, or a weekend day worked by an official swap; the holiday source says which (the calendar
data of `engine.calendar.data`, in a registered version). Overrides are data an administrator
keeps (a swapped working Saturday, an extra day off) and they always win. Office hours (default
07:30-12:00 and 13:00-16:30) decide where a working day starts and ends.

Nothing here reads a clock or a database: callers pass the moments and the overrides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from engine.procedures.model import Sla

#: A calendar in which no working day is found within this many days is misconfigured.
MAX_SEARCH_DAYS = 400
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CalendarError(ValueError):
    """The calendar cannot answer (e.g. overrides leave no working day for a year)."""


class DayKind(StrEnum):
    WORKDAY = "workday"  # e.g. a Saturday swapped into a working day
    DAY_OFF = "day_off"  # e.g. an extra or compensatory day off announced for the year


class Timeliness(StrEnum):
    EARLY = "early"  # trước hạn
    ON_TIME = "on_time"  # đúng hạn
    LATE = "late"  # quá hạn


@dataclass(frozen=True, slots=True)
class DayOverride:
    day: date
    kind: DayKind
    note: str = ""


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    working: bool
    reason: str  # why: "weekday", "weekend", a holiday's name, an override's note


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The working periods of a day, in local time, in order and not overlapping."""

    periods: tuple[tuple[time, time], ...] = (
        (time(7, 30), time(12, 0)),
        (time(13, 0), time(16, 30)),
    )

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("office hours need at least one period")
        previous_end = time.min
        for start, end in self.periods:
            if not previous_end <= start < end:
                raise ValueError("office hour periods must be increasing and not overlap")
            previous_end = end

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """`07:30-12:00,13:00-16:30` -> OfficeHours; raises ValueError on anything else."""
        periods = []
        for part in text.split(","):
            match = _PERIOD.match(part)
            if match is None:
                raise ValueError(f"'{part.strip()}' is not a period like 07:30-12:00")
            h1, m1, h2, m2 = (int(group) for group in match.groups())
            if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
                raise ValueError(f"'{part.strip()}' is not a period of the day")
            periods.append((time(h1, m1), time(h2, m2)))
        return cls(tuple(periods))


class HolidaySource(Protocol):
    def days_off(self, year: int) -> Mapping[date, str]:
        """Public holidays and compensatory days off of `year`, with their names."""
        ...

    def weekend_workdays(self, year: int) -> Mapping[date, str]:
        """Saturdays and Sundays of `year` that are working days by official swap, named."""
        ...


@dataclass(frozen=True, slots=True)
class FixedHolidays:
    """A fixed list of days off, e.g. the synthetic calendar of the test vectors in
    docs/domain.md section 4."""

    days: Mapping[date, str]
    workdays: Mapping[date, str] = field(default_factory=dict)

    def days_off(self, year: int) -> Mapping[date, str]:
        return {day: name for day, name in self.days.items() if day.year == year}

    def weekend_workdays(self, year: int) -> Mapping[date, str]:
        return {day: name for day, name in self.workdays.items() if day.year == year}


@dataclass(frozen=True, slots=True)
class CalendarVersionRef:
    """Which registered calendar data a calendar counts on (R-0.1: a dossier pins it)."""

    number: int
    content_hash: str


class WorkingCalendar:
    """Working days, office hours and deadlines in one time zone."""

    def __init__(
        self,
        tz: tzinfo,
        *,
        source: HolidaySource,
        overrides: Iterable[DayOverride] = (),
        hours: OfficeHours | None = None,
        version: CalendarVersionRef | None = None,
    ) -> None:
        self.tz = tz
        self.source = source
        self.overrides = {o.day: o for o in overrides}
        self.hours = hours or OfficeHours()
        #: The registered calendar data `source` is; None for a calendar built in memory.
        self.version = version

    # -- days ---------------------------------------------------------------------------------
    def day_info(self, day: date) -> DayInfo:
        override = self.overrides.get(day)
        if override is not None:
            reason = override.note or (
                "working day by override" if override.kind == DayKind.WORKDAY else "day off"
            )
            return DayInfo(day, override.kind == DayKind.WORKDAY, reason)
        swapped = self.source.weekend_workdays(day.year).get(day)
        if swapped is not None:
            return DayInfo(day, True, swapped)
        name = self.source.days_off(day.year).get(day)
        if name is not None:
            return DayInfo(day, False, name)
        if day.weekday() >= 5:
            return DayInfo(day, False, "weekend")
        return DayInfo(day, True, "weekday")

    def is_working_day(self, day: date) -> bool:
        return self.day_info(day).working

    def is_holiday(self, day: date) -> bool:
        """A public holiday or day off (not a mere weekend): what calendar-day limits skip."""
        override = self.overrides.get(day)
        if override is not None:
            return override.kind == DayKind.DAY_OFF
        return day in self.source.days_off(day.year)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError(f"no working day within {MAX_SEARCH_DAYS} days after {day}")

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day - timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError(f"no working day within {MAX_SEARCH_DAYS} days before {day}")

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (the day itself is not counted); 0 -> `day`."""
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def subtract_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day before `day`."""
        for _ in range(count):
            day = self.previous_working_day(day)
        return day

    def add_days_excl_holidays(self, day: date, count: int) -> date:
        """The `count`-th day after `day` counting weekends but not holidays, moved to the next
        working day if it is not one (Civil Code art. 148)."""
        counted = 0
        while counted < count:
            day += timedelta(days=1)
            if not self.is_holiday(day):
                counted += 1
        return day if self.is_working_day(day) else self.next_working_day(day)

    # -- moments --------------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("calendar moments must be timezone-aware")
        return moment.astimezone(self.tz)

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, self.tz)

    def opening(self, day: date) -> datetime:
        return self.at(day, self.hours.periods[0][0])

    def closing(self, day: date) -> datetime:
        return self.at(day, self.hours.periods[-1][1])

    def effective_start(self, moment: datetime) -> datetime:
        """When a receipt at `moment` counts as received: itself during office hours, otherwise
        the start of the next working period (before opening -> that day's opening; after
        closing, on a weekend or a holiday -> the next working day's opening)."""
        local = self.local(moment)
        day = local.date()
        if self.is_working_day(day):
            for start, end in self.hours.periods:
                if local.time() < start:
                    return self.at(day, start)
                if local.time() < end:
                    return local
        return self.opening(self.next_working_day(day))

    def add_working_minutes(self, moment: datetime, minutes: int) -> datetime:
        """The moment `minutes` of office time after `moment` (itself moved into office hours)."""
        current = self.effective_start(moment)
        remaining = minutes
        while True:
            day = current.date()
            for start, end in self.hours.periods:
                period_start, period_end = self.at(day, start), self.at(day, end)
                if current >= period_end:
                    continue
                current = max(current, period_start)
                available = int((period_end - current).total_seconds() // 60)
                if remaining <= available:
                    return current + timedelta(minutes=remaining)
                remaining -= available
                current = period_end
            current = self.opening(self.next_working_day(day))

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Office minutes in [start, end); 0 if end is not after start."""
        current, stop = self.effective_start(start), self.local(end)
        total = 0
        while current < stop:
            day = current.date()
            for first, last in self.hours.periods:
                period_start = max(current, self.at(day, first))
                period_end = min(stop, self.at(day, last))
                if period_end > period_start:
                    total += int((period_end - period_start).total_seconds() // 60)
            current = self.opening(self.next_working_day(day))
        return total

    # -- deadlines ------------------------------------------------------------------------------
    def budget(self, sla: Sla) -> int:
        """How much time a limit grants, in its counting quantum: days, or minutes for hours."""
        if sla.unit == "working_hours":
            return sla.amount * 60
        if sla.unit == "same_day":
            return 0
        return sla.amount

    def due(self, sla: Sla, start: datetime, budget: int | None = None) -> datetime:
        """When a limit counted from `start` expires, with `budget` left (default: all of it).

        Day limits expire at the close of office hours of their last day; hour limits at the
        exact moment; `same_day` at today's close, or the next working day's after the cutoff.
        """
        left = self.budget(sla) if budget is None else max(budget, 0)
        begin = self.effective_start(start)
        if sla.unit == "working_days":
            return self.closing(self.add_working_days(begin.date(), left))
        if sla.unit == "calendar_days_excl_holidays":
            return self.closing(self.add_days_excl_holidays(begin.date(), left))
        if sla.unit == "working_hours":
            return self.add_working_minutes(begin, left)
        if sla.unit == "same_day":
            assert sla.cutoff is not None
            day = begin.date()
            if begin.time() > sla.cutoff:
                day = self.next_working_day(day)
            return self.closing(day)
        raise ValueError(f"unknown time-limit unit {sla.unit}")

    def consumed(self, sla: Sla, start: datetime, stop: datetime) -> int:
        """How much of a limit counted from `start` was used by `stop` (same quantum as budget).

        A day is used once any of it has passed: a supplement requested on a day uses that day.
        """
        begin, end = self.effective_start(start), self.local(stop)
        if end <= begin:
            return 0
        if sla.unit == "working_hours":
            return self.working_minutes_between(begin, end)
        if sla.unit == "same_day":
            return 0
        used, day = 0, begin.date()
        while day < end.date():
            day += timedelta(days=1)
            counts = (
                self.is_working_day(day) if sla.unit == "working_days" else not self.is_holiday(day)
            )
            used += counts
        return used

    def timeliness(self, resolved: datetime, due: datetime) -> Timeliness:
        """Early, on time or late, by comparing local dates (docs/domain.md section 4)."""
        resolved_day, due_day = self.local(resolved).date(), self.local(due).date()
        if resolved_day < due_day:
            return Timeliness.EARLY
        if resolved_day == due_day:
            return Timeliness.ON_TIME
        return Timeliness.LATE

    def year(self, year: int) -> list[DayInfo]:
        """Every day of `year` that is not an ordinary weekday or weekend: holidays, days off,
        swapped working days and overrides, in date order."""
        days = set(self.source.days_off(year)) | set(self.source.weekend_workdays(year))
        days |= {d for d in self.overrides if d.year == year}
        return [self.day_info(d) for d in sorted(days)]
