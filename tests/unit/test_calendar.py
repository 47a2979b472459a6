"""The working-day calendar: docs/domain.md section 4's test vectors, then real Vietnamese years (on
the repository's calendar data, `engine/calendar/data`)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from engine.calendar.data import repository_data_set
from engine.calendar.working_days import (
    CalendarError,
    DayKind,
    DayOverride,
    FixedHolidays,
    OfficeHours,
    Timeliness,
    WorkingCalendar,
)
from engine.procedures.model import Sla

VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: docs/domain.md section 4's synthetic calendar: Monday-Friday working, holidays 2025-04-30
#: and 2025-05-01 only.
SYNTHETIC = WorkingCalendar(
    VN, source=FixedHolidays({date(2025, 4, 30): "30/4", date(2025, 5, 1): "1/5"})
)
DATA = repository_data_set(OfficeHours())
REAL = WorkingCalendar(VN, source=DATA)


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def closing(y: int, m: int, d: int) -> datetime:
    return at(y, m, d, 16, 30)


# -- docs/domain.md section 4 vectors (synthetic calendar) ---------------------------------


def test_five_working_days_from_monday_morning_skip_the_two_holidays() -> None:
    assert SYNTHETIC.due(Sla(5, "working_days"), at(2025, 4, 28)) == closing(2025, 5, 7)


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        (at(2025, 5, 6, 16, 0), Timeliness.EARLY),
        (at(2025, 5, 7, 8, 0), Timeliness.ON_TIME),
        (at(2025, 5, 7, 23, 59), Timeliness.ON_TIME),
        (at(2025, 5, 8, 0, 1), Timeliness.LATE),
    ],
)
def test_timeliness_compares_local_dates(resolved: datetime, expected: Timeliness) -> None:
    assert SYNTHETIC.timeliness(resolved, closing(2025, 5, 7)) == expected


def test_timeliness_uses_the_local_date_not_the_utc_date() -> None:
    # 00:30 on 8 May in Hanoi is still 7 May in UTC: late all the same.
    assert SYNTHETIC.timeliness(at(2025, 5, 8, 0, 30), closing(2025, 5, 7)) == Timeliness.LATE


def test_same_day_after_the_cutoff_is_due_the_next_working_day() -> None:
    same_day = Sla.parse("same_day")
    assert SYNTHETIC.due(same_day, at(2025, 4, 28, 15, 30)) == closing(2025, 4, 29)
    assert SYNTHETIC.due(same_day, at(2025, 4, 28, 15, 0)) == closing(2025, 4, 28)
    assert SYNTHETIC.due(same_day, at(2025, 4, 29, 15, 30)) == closing(2025, 5, 2)
    assert SYNTHETIC.due(Sla.parse("same_day 11:00"), at(2025, 4, 28, 11, 30)) == closing(
        2025, 4, 29
    )


def test_twenty_calendar_days_excluding_holidays_roll_from_saturday_to_monday() -> None:
    sla = Sla(20, "calendar_days_excl_holidays")
    assert SYNTHETIC.due(sla, at(2025, 4, 25)) == closing(2025, 5, 19)


def test_a_receipt_at_22h_on_friday_counts_from_monday() -> None:
    received = at(2025, 4, 25, 22, 0)
    assert SYNTHETIC.effective_start(received) == at(2025, 4, 28, 7, 30)
    assert SYNTHETIC.due(Sla(5, "working_days"), received) == closing(2025, 5, 7)


@pytest.mark.parametrize(
    ("moment", "effective"),
    [
        (at(2025, 4, 28, 6, 0), at(2025, 4, 28, 7, 30)),  # before opening: that morning
        (at(2025, 4, 28, 9, 15), at(2025, 4, 28, 9, 15)),  # office hours: itself
        (at(2025, 4, 28, 12, 20), at(2025, 4, 28, 13, 0)),  # lunch: the afternoon period
        (at(2025, 4, 28, 16, 30), at(2025, 4, 29, 7, 30)),  # closing time: next working day
        (at(2025, 4, 26, 10, 0), at(2025, 4, 28, 7, 30)),  # Saturday: Monday
        (at(2025, 4, 29, 17, 0), at(2025, 5, 2, 7, 30)),  # before two holidays: after them
    ],
)
def test_receipts_outside_office_hours_start_at_the_next_working_period(
    moment: datetime, effective: datetime
) -> None:
    assert SYNTHETIC.effective_start(moment) == effective


def test_working_hours_count_office_time_only() -> None:
    eight_hours = Sla(8, "working_hours")
    assert SYNTHETIC.due(eight_hours, at(2025, 4, 28, 9, 0)) == at(2025, 4, 29, 9, 0)
    assert SYNTHETIC.due(eight_hours, at(2025, 4, 28, 22, 0)) == at(2025, 4, 29, 16, 30)
    # 3.5 hours of Tuesday afternoon, then Friday (after the holidays) from opening.
    assert SYNTHETIC.due(eight_hours, at(2025, 4, 29, 13, 0)) == at(2025, 5, 2, 12, 0)
    assert SYNTHETIC.working_minutes_between(at(2025, 4, 28, 11, 0), at(2025, 4, 28, 14, 0)) == 120


def test_consumed_time_counts_the_day_of_the_pause() -> None:
    week = Sla(7, "working_days")
    assert SYNTHETIC.consumed(week, at(2025, 4, 28), at(2025, 4, 29, 15, 0)) == 1
    assert SYNTHETIC.consumed(week, at(2025, 4, 28), at(2025, 5, 2, 9, 0)) == 2
    assert SYNTHETIC.consumed(week, at(2025, 4, 28), at(2025, 4, 28, 16, 0)) == 0
    days = Sla(20, "calendar_days_excl_holidays")
    assert SYNTHETIC.consumed(days, at(2025, 4, 25), at(2025, 5, 2)) == 5  # 26-29 April, 2 May
    hours = Sla(8, "working_hours")
    assert SYNTHETIC.consumed(hours, at(2025, 4, 28, 9, 0), at(2025, 4, 28, 13, 30)) == 210


def test_a_remaining_budget_counts_from_the_new_start() -> None:
    week = Sla(7, "working_days")
    assert SYNTHETIC.due(week, at(2025, 5, 5), budget=2) == closing(2025, 5, 7)
    assert SYNTHETIC.due(week, at(2025, 5, 5), budget=0) == closing(2025, 5, 5)
    assert SYNTHETIC.due(week, at(2025, 5, 3), budget=0) == closing(2025, 5, 5)


# -- real years, from the repository's calendar data ---------------------------------------------


def test_lunar_new_year_2026_is_five_days_off() -> None:
    for day in range(16, 21):
        info = REAL.day_info(date(2026, 2, day))
        assert not info.working and "Tết Âm lịch" in info.reason
    assert REAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)


def test_seven_working_days_from_the_friday_before_tet_2026() -> None:
    # Counting Mon 23, 24, 25, 26, Fri 27 February, Mon 2 and Tue 3 March.
    assert REAL.due(Sla(7, "working_days"), at(2026, 2, 13, 10, 0)) == closing(2026, 3, 3)


def test_30_april_and_1_may_2025_with_the_official_swap() -> None:
    # 2025: Saturday 26 April was worked so that Friday 2 May could be taken off.
    assert REAL.day_info(date(2025, 4, 26)).working
    assert not REAL.is_working_day(date(2025, 4, 30))
    assert not REAL.is_working_day(date(2025, 5, 1))
    assert not REAL.is_working_day(date(2025, 5, 2))
    # Sat 26, Mon 28, Tue 29 April, Mon 5, Tue 6 May.
    assert REAL.due(Sla(5, "working_days"), at(2025, 4, 25)) == closing(2025, 5, 6)


def test_national_day_2025_takes_the_adjacent_monday_off() -> None:
    assert not REAL.is_working_day(date(2025, 9, 1))
    assert not REAL.is_working_day(date(2025, 9, 2))
    assert REAL.due(Sla(1, "working_days"), at(2025, 8, 29)) == closing(2025, 9, 3)


def test_national_day_2026_with_its_swapped_saturday() -> None:
    assert REAL.day_info(date(2026, 8, 22)).working  # Saturday worked ...
    assert not REAL.is_working_day(date(2026, 8, 31))  # ... for Monday 31 August off
    assert not REAL.is_working_day(date(2026, 9, 1))
    assert not REAL.is_working_day(date(2026, 9, 2))
    assert REAL.due(Sla(2, "working_days"), at(2026, 8, 28)) == closing(2026, 9, 4)


def test_a_holiday_on_sunday_gives_a_compensatory_monday() -> None:
    # Hùng Kings' day 2026 falls on Sunday 26 April: Monday 27 April is off instead.
    info = REAL.day_info(date(2026, 4, 27))
    assert not info.working and "Nghỉ bù Giỗ Tổ Hùng Vương" in info.reason
    assert REAL.due(Sla(1, "working_days"), at(2026, 4, 24)) == closing(2026, 4, 28)


def test_calendar_days_skip_real_holidays_but_count_weekends() -> None:
    # From Fri 13 Feb 2026: Sat 14 and Sun 15 count, Tết 16-20 does not, then 21 Feb-10 Mar.
    sla = Sla(20, "calendar_days_excl_holidays")
    assert REAL.due(sla, at(2026, 2, 13)) == closing(2026, 3, 10)


# -- overrides: data an administrator keeps ------------------------------------------------------


def test_a_swapped_working_saturday_from_the_overrides_counts() -> None:
    saturday = DayOverride(date(2026, 3, 14), DayKind.WORKDAY, "Làm bù cho ngày 20/3")
    day_off = DayOverride(date(2026, 3, 20), DayKind.DAY_OFF, "Nghỉ bù")
    calendar = WorkingCalendar(VN, source=DATA, overrides=[saturday, day_off])
    assert calendar.day_info(date(2026, 3, 14)).reason == "Làm bù cho ngày 20/3"
    assert calendar.due(Sla(1, "working_days"), at(2026, 3, 13)) == closing(2026, 3, 14)
    assert calendar.due(Sla(5, "working_days"), at(2026, 3, 13)) == closing(2026, 3, 19)
    assert calendar.due(Sla(6, "working_days"), at(2026, 3, 13)) == closing(2026, 3, 23)
    assert REAL.due(Sla(6, "working_days"), at(2026, 3, 13)) == closing(2026, 3, 23)
    assert calendar.is_holiday(date(2026, 3, 20)) and not calendar.is_holiday(date(2026, 3, 14))


def test_an_override_can_cancel_a_holiday_of_the_data() -> None:
    assert not REAL.is_working_day(date(2026, 11, 24))  # Vietnam Culture Day, in the data
    calendar = WorkingCalendar(
        VN,
        source=DATA,
        overrides=[DayOverride(date(2026, 11, 24), DayKind.WORKDAY, "not a day off")],
    )
    assert calendar.is_working_day(date(2026, 11, 24))
    assert not calendar.is_holiday(date(2026, 11, 24))


def test_the_years_listing_shows_holidays_swaps_and_overrides() -> None:
    calendar = WorkingCalendar(
        VN, source=DATA, overrides=[DayOverride(date(2026, 3, 14), DayKind.WORKDAY, "Làm bù")]
    )
    days = {info.day: info for info in calendar.year(2026)}
    assert date(2026, 2, 17) in days and not days[date(2026, 2, 17)].working
    assert days[date(2026, 8, 22)].working
    assert days[date(2026, 3, 14)].working
    assert all(d.year == 2026 for d in days)


def test_a_calendar_without_working_days_says_so() -> None:
    first = date(2026, 1, 1).toordinal()
    every_day_off = WorkingCalendar(
        VN,
        source=DATA,
        overrides=[DayOverride(date.fromordinal(first + i), DayKind.DAY_OFF) for i in range(500)],
    )
    with pytest.raises(CalendarError):
        every_day_off.next_working_day(date(2026, 1, 1))


def test_office_hours_parse_and_validate() -> None:
    hours = OfficeHours.parse("08:00-11:30, 13:30-17:00")
    assert hours.periods == ((time(8, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    for bad in ("8-11", "13:00-12:00", "07:30-12:00,11:00-16:30", "25:00-26:00"):
        with pytest.raises(ValueError):
            OfficeHours.parse(bad)
