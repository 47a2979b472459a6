"""The official calendar as data in the repository (engine/calendar/data/vn/*.json): the facts
docs/domain.md section 4 lists for 2026 and 2027, each year announced or estimated, the files
checked when they are read, and the pinned `holidays` package as the source of the other years."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from engine.calendar.data import (
    DATA_DIR,
    CalendarDataError,
    CalendarDataSet,
    fallback_name,
    repository_data_set,
)
from engine.calendar.working_days import OfficeHours, WorkingCalendar
from engine.procedures.model import Sla

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = OfficeHours()
DATA = repository_data_set(HOURS)
CALENDAR = WorkingCalendar(VN, source=DATA, hours=HOURS)
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def closing(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 16, 30, tzinfo=VN)


def test_five_working_days_from_new_years_eve_2025_end_on_friday_9_january() -> None:
    # Friday 2 January 2026 is off and Saturday 10 January worked (Công văn 12729/VPCP-KGVX):
    # Mon 5, Tue 6, Wed 7, Thu 8, Fri 9. (Counted on the `holidays` package alone: Thu 8.)
    received = datetime(2025, 12, 31, 10, 0, tzinfo=VN)
    assert CALENDAR.due(Sla(5, "working_days"), received) == closing(2026, 1, 9)
    assert CALENDAR.due(Sla(6, "working_days"), received) == closing(2026, 1, 10)


def test_the_new_year_swap_of_2026_names_its_notice() -> None:
    off, worked = DATA.entry(date(2026, 1, 2)), DATA.entry(date(2026, 1, 10))
    assert off is not None and not off.working and worked is not None and worked.working
    for entry in (off, worked):
        assert entry.notice is not None
        assert (entry.notice.number, entry.notice.day) == ("12729/VPCP-KGVX", date(2025, 12, 25))


@pytest.mark.parametrize(
    ("day", "working", "name"),
    [
        (date(2026, 1, 1), False, "Tết Dương lịch"),
        (date(2026, 2, 16), False, "Tết Âm lịch"),
        (date(2026, 2, 20), False, "Tết Âm lịch"),
        (date(2026, 4, 26), False, "Giỗ Tổ Hùng Vương"),  # a Sunday ...
        (date(2026, 4, 27), False, "Nghỉ bù Giỗ Tổ Hùng Vương"),  # ... so Monday is off
        (date(2026, 4, 30), False, "Ngày Chiến thắng"),
        (date(2026, 5, 1), False, "Ngày Quốc tế lao động"),
        (date(2026, 8, 22), True, "Làm bù"),  # Saturday worked ...
        (date(2026, 8, 31), False, "Nghỉ hoán đổi"),  # ... for Monday 31 August off
        (date(2026, 9, 1), False, "Quốc khánh"),
        (date(2026, 9, 2), False, "Quốc khánh"),
        (date(2026, 11, 24), False, "Ngày Văn hóa Việt Nam"),  # Resolution 28/2026/QH16
    ],
)
def test_the_2026_facts(day: date, working: bool, name: str) -> None:
    info = CALENDAR.day_info(day)
    assert info.working is working and name in info.reason


def test_vietnam_culture_day_is_a_day_off_from_2026_with_its_basis() -> None:
    entry = DATA.entry(date(2026, 11, 24))
    assert entry is not None and "28/2026/QH16" in entry.basis
    assert CALENDAR.due(Sla(1, "working_days"), datetime(2026, 11, 23, 10, tzinfo=VN)) == (
        closing(2026, 11, 25)
    )


def test_each_year_is_announced_or_estimated() -> None:
    announced = DATA.year_data(2026)
    assert announced is not None and announced.status == "announced"
    assert announced.source == "vn/2026.json"
    assert [n.number for n in announced.notices] == ["12729/VPCP-KGVX"]
    estimated = DATA.year_data(2027)
    assert estimated is not None and (estimated.status, estimated.notices) == ("estimated", ())
    # 2027: Tết around 4-10 February and the second National Day day are estimates.
    assert all(not CALENDAR.is_working_day(date(2027, 2, d)) for d in range(4, 11))
    assert not CALENDAR.is_working_day(date(2027, 9, 3))
    # Years without a file come from the pinned package, marked estimated.
    package_year = DATA.year_data(2028)
    assert package_year is not None and package_year.status == "estimated"
    assert package_year.source == fallback_name() == f"holidays {version('holidays')}"


def test_the_holidays_package_is_pinned_to_the_version_installed() -> None:
    assert f'"holidays=={version("holidays")}"' in PYPROJECT.read_text(encoding="utf-8")


def test_the_data_files_agree_with_the_package_but_for_the_notices_it_lacks() -> None:
    """A maintainer's cross-check: where the package and the files differ, the files hold an
    official fact the package does not know (or an estimate of the files' own); a new package
    release that learns something new shows up here."""

    def days(source: str, year: int) -> dict[date, bool]:
        if source == "package":
            found = holidays.country_holidays("VN", years=year)
            listed = {d: False for d in found if d.year == year}
            listed |= {d: True for d in getattr(found, "weekend_workdays", ()) if d.year == year}
            return listed
        year_data = DATA.year_data(year)
        assert year_data is not None
        return {d: e.working for d, e in year_data.days.items()}

    differences = {
        year: sorted(
            (d, files.get(d), package.get(d))
            for d in files.keys() | package.keys()
            if files.get(d) != package.get(d)
        )
        for year in (2026, 2027)
        for files, package in [(days("files", year), days("package", year))]
    }
    assert differences == {
        2026: [(date(2026, 1, 2), False, None), (date(2026, 1, 10), True, None)],  # 12729
        2027: [],
    }


def test_the_content_hash_changes_with_the_data(tmp_path: Path) -> None:
    copy = tmp_path / "vn"
    shutil.copytree(DATA_DIR, copy)
    assert repository_data_set(HOURS, copy).content_hash == DATA.content_hash
    assert repository_data_set(OfficeHours.parse("08:00-17:00")).content_hash != (DATA.content_hash)
    edited = tmp_path / "edited"
    shutil.copytree(DATA_DIR, edited)
    year = json.loads((edited / "2027.json").read_text(encoding="utf-8"))
    year["days"] = year["days"][1:]
    (edited / "2027.json").write_text(json.dumps(year), encoding="utf-8")
    assert repository_data_set(HOURS, edited).content_hash != DATA.content_hash
    assert CalendarDataSet(DATA.content).content_hash == DATA.content_hash


def _year_file(**changes: object) -> dict[str, object]:
    return {
        "year": 2030,
        "status": "announced",
        "notices": [{"number": "1/VPCP", "date": "2029-12-01", "issuer": "VPCP", "subject": "x"}],
        "days": [{"date": "2030-01-01", "kind": "day_off", "name": "Tết", "basis": "BLLĐ"}],
        **changes,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "vn/2030.json: not readable JSON"),
        (_year_file(year=2031), "vn/2030.json: year: 2031 is not the file's year"),
        (_year_file(status="official"), "vn/2030.json: status: one of announced, estimated"),
        (_year_file(notices=[]), "an announced year lists its notices"),
        (
            _year_file(days=[{"date": "2030-01-02", "kind": "workday", "name": "x", "basis": "y"}]),
            "days[0].kind: 2030-01-02 is a weekday; only weekend days are swapped",
        ),
        (
            _year_file(
                days=[
                    {
                        "date": "2030-01-01",
                        "kind": "day_off",
                        "name": "x",
                        "basis": "y",
                        "notice": "9",
                    }
                ]
            ),
            "days[0].notice: '9' is not in the notices",
        ),
        (
            _year_file(days=[{"date": "2030-02-30", "kind": "day_off", "name": "x", "basis": "y"}]),
            "days[0].date: a date YYYY-MM-DD",
        ),
        (
            _year_file(
                days=[{"date": "2030-01-01", "kind": "day_off", "name": "x", "basis": "y"}] * 2
            ),
            "days[1]: 2030-01-01 is listed twice",
        ),
        (_year_file(extra=1), "an object with exactly"),
    ],
)
def test_a_bad_data_file_is_refused_naming_the_file_and_field(
    tmp_path: Path, content: object, message: str
) -> None:
    folder = tmp_path / "vn"
    folder.mkdir()
    text = content if isinstance(content, str) else json.dumps(content)
    (folder / "2030.json").write_text(text, encoding="utf-8")
    with pytest.raises(CalendarDataError, match="vn/2030.json") as raised:
        repository_data_set(HOURS, folder)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"format": 2}, "format must be 1"),
        ({"format": 1, "office_hours": ["7-12"]}, "office_hours"),
        ({"format": 1, "office_hours": ["07:30-12:00"]}, "years: a list"),
        ({**DATA.content, "years": [{"year": 2026}]}, "years[0]: status"),
    ],
)
def test_stored_content_that_is_not_calendar_data_is_refused(
    content: dict[str, object], message: str
) -> None:
    with pytest.raises(CalendarDataError, match="calendar version 7") as raised:
        CalendarDataSet(content, "calendar version 7")
    assert message in str(raised.value)
