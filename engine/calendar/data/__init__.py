"""The official working calendar kept as data in the repository (R-4.1, R-0.1).

`vn/<year>.json` lists every day of that year that is not an ordinary weekday or weekend day:
public holidays (also those falling on a weekend: calendar-day limits skip them), compensatory
and swapped days off, and weekend days worked by swap; each with its name, its legal basis and,
where one announced it, the notice's number. A year is `announced` (its notices are listed:
number, date, issuer) or `estimated` (no official notice yet). Years without a file come from
the `holidays` package, pinned to one version in pyproject.toml, and are marked estimated.

`repository_data_set` resolves all of it for 2000-2100, with the office hours, into one canonical
content with a SHA-256: the calendar data a deployment registers as an immutable version
(`engine.calendar.versions`). `CalendarDataSet` reads such content back, from the repository or
from a stored version, and answers what a `WorkingCalendar` asks of its holiday source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import holidays

from engine.calendar.working_days import OfficeHours
from engine.events import canonical_json

DATA_DIR = Path(__file__).parent / "vn"
FIRST_YEAR, LAST_YEAR = 2000, 2100
FORMAT = 1
STATUSES = ("announced", "estimated")
KINDS = ("day_off", "workday")
MAX_TEXT = 300
_YEAR_KEYS = frozenset({"year", "status", "notices", "days"})
_NOTICE_KEYS = frozenset({"number", "date", "issuer", "subject"})
_DAY_KEYS = frozenset({"date", "kind", "name", "basis", "notice"})
_FALLBACK_WORKDAY_NAME = "Làm bù (hoán đổi ngày làm việc)"
_NONE: Mapping[date, str] = {}


class CalendarDataError(ValueError):
    """Calendar data that cannot be used; the message names the file (or version) and field."""


@dataclass(frozen=True, slots=True)
class Notice:
    """An official notice that announced days of a year (e.g. Công văn 12729/VPCP-KGVX)."""

    number: str
    day: date
    issuer: str
    subject: str


@dataclass(frozen=True, slots=True)
class DayEntry:
    day: date
    working: bool
    name: str
    basis: str
    notice: Notice | None


@dataclass(frozen=True, slots=True)
class YearData:
    year: int
    status: str  # announced | estimated
    source: str  # the data file (vn/2026.json) or the package (holidays 0.109)
    notices: tuple[Notice, ...]
    days: Mapping[date, DayEntry]


class CalendarDataSet:
    """Resolved calendar data: every year's days, the office hours, and the content's hash."""

    def __init__(self, content: Mapping[str, Any], origin: str = "calendar data") -> None:
        """Raises CalendarDataError naming `origin` and the field when `content` is not valid."""
        if content.get("format") != FORMAT:
            raise CalendarDataError(f"{origin}: format must be {FORMAT}")
        try:
            self.hours = OfficeHours.parse(",".join(content["office_hours"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarDataError(f"{origin}: office_hours: {exc}") from None
        self.fallback = str(content.get("fallback", ""))
        raw_years = content.get("years")
        if not isinstance(raw_years, list):
            raise CalendarDataError(f"{origin}: years: a list")
        years = [_year(item, f"{origin}: years[{i}]") for i, item in enumerate(raw_years)]
        self.years: Mapping[int, YearData] = {y.year: y for y in years}
        self._days_off = {
            y.year: {d: e.name for d, e in y.days.items() if not e.working} for y in years
        }
        self._workdays = {
            y.year: {d: e.name for d, e in y.days.items() if e.working} for y in years
        }
        self.content = dict(content)
        self.content_hash = content_hash(content)

    def year_data(self, year: int) -> YearData | None:
        return self.years.get(year)

    def entry(self, day: date) -> DayEntry | None:
        found = self.years.get(day.year)
        return found.days.get(day) if found is not None else None

    # HolidaySource (engine.calendar.working_days): asked for every day counted, so answered
    # from maps
    def days_off(self, year: int) -> Mapping[date, str]:
        return self._days_off.get(year, _NONE)

    def weekend_workdays(self, year: int) -> Mapping[date, str]:
        return self._workdays.get(year, _NONE)


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def fallback_name() -> str:
    """The package the years without a data file come from, with its installed version."""
    return f"holidays {package_version('holidays')}"


@lru_cache(maxsize=8)
def repository_data_set(hours: OfficeHours, data_dir: Path = DATA_DIR) -> CalendarDataSet:
    """The repository's calendar data with these office hours (files first, then the package).

    Raises:
        CalendarDataError: a data file is not valid (the message names the file and field).
    """
    files = {}
    for path in sorted(data_dir.glob("*.json")):
        item = _read_file(path)
        files[item["year"]] = item
    fallback = fallback_name()
    years = [
        files[year] if year in files else _from_package(year, fallback)
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    ]
    years += [files[year] for year in sorted(files) if not FIRST_YEAR <= year <= LAST_YEAR]
    content = {
        "format": FORMAT,
        "office_hours": [f"{a:%H:%M}-{b:%H:%M}" for a, b in hours.periods],
        "fallback": fallback,
        "years": years,
    }
    return CalendarDataSet(content, "repository calendar data")


def _read_file(path: Path) -> dict[str, Any]:
    origin = f"calendar data {path.parent.name}/{path.name}"
    try:
        item = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalendarDataError(f"{origin}: not readable JSON ({exc})") from None
    if not isinstance(item, dict) or set(item) != _YEAR_KEYS:
        raise CalendarDataError(f"{origin}: an object with exactly {sorted(_YEAR_KEYS)}")
    if str(item["year"]) != path.stem:
        raise CalendarDataError(f"{origin}: year: {item['year']!r} is not the file's year")
    item = {**item, "source": f"{path.parent.name}/{path.name}"}
    _year(item, origin)  # validate now, with the file's name in the message
    return item


def _from_package(year: int, source: str) -> dict[str, Any]:
    """An estimated year from the `holidays` package (its days off and swapped weekend days)."""
    found = holidays.country_holidays("VN", years=year, language="vi")
    days = [
        {"date": d.isoformat(), "kind": "day_off", "name": str(name), "basis": source}
        for d, name in sorted(found.items())
        if d.year == year
    ]
    days += [
        {"date": d.isoformat(), "kind": "workday", "name": _FALLBACK_WORKDAY_NAME, "basis": source}
        for d in sorted(getattr(found, "weekend_workdays", ()))
        if d.year == year
    ]
    days.sort(key=lambda entry: entry["date"])
    return {"year": year, "status": "estimated", "source": source, "notices": [], "days": days}


def _year(item: Any, origin: str) -> YearData:
    if not isinstance(item, dict):
        raise CalendarDataError(f"{origin}: a year must be an object")
    year = item.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        raise CalendarDataError(f"{origin}: year: a year like 2026")
    status = item.get("status")
    if status not in STATUSES:
        raise CalendarDataError(f"{origin}: status: one of {', '.join(STATUSES)}")
    raw_notices = item.get("notices")
    if not isinstance(raw_notices, list):
        raise CalendarDataError(f"{origin}: notices: a list")
    notices = tuple(_notice(n, f"{origin}: notices[{i}]") for i, n in enumerate(raw_notices))
    if status == "announced" and not notices:
        raise CalendarDataError(f"{origin}: notices: an announced year lists its notices")
    if status == "estimated" and notices:
        raise CalendarDataError(f"{origin}: status: a year with notices is 'announced'")
    by_number = {n.number: n for n in notices}
    raw_days = item.get("days")
    if not isinstance(raw_days, list):
        raise CalendarDataError(f"{origin}: days: a list")
    days: dict[date, DayEntry] = {}
    for i, raw in enumerate(raw_days):
        entry = _day(raw, year, by_number, f"{origin}: days[{i}]")
        if entry.day in days:
            raise CalendarDataError(f"{origin}: days[{i}]: {entry.day} is listed twice")
        days[entry.day] = entry
    return YearData(year, status, _text(item.get("source"), f"{origin}: source"), notices, days)


def _notice(raw: Any, origin: str) -> Notice:
    if not isinstance(raw, dict) or set(raw) != _NOTICE_KEYS:
        raise CalendarDataError(f"{origin}: an object with exactly {sorted(_NOTICE_KEYS)}")
    return Notice(
        number=_text(raw["number"], f"{origin}.number"),
        day=_date(raw["date"], f"{origin}.date"),
        issuer=_text(raw["issuer"], f"{origin}.issuer"),
        subject=_text(raw["subject"], f"{origin}.subject"),
    )


def _day(raw: Any, year: int, notices: Mapping[str, Notice], origin: str) -> DayEntry:
    if not isinstance(raw, dict) or not {"date", "kind", "name", "basis"} <= set(raw) <= _DAY_KEYS:
        raise CalendarDataError(
            f"{origin}: an object with date, kind, name, basis and optionally notice"
        )
    day = _date(raw["date"], f"{origin}.date")
    if day.year != year:
        raise CalendarDataError(f"{origin}.date: {day} is not in {year}")
    if raw["kind"] not in KINDS:
        raise CalendarDataError(f"{origin}.kind: one of {', '.join(KINDS)}")
    working = raw["kind"] == "workday"
    if working and day.weekday() < 5:
        raise CalendarDataError(f"{origin}.kind: {day} is a weekday; only weekend days are swapped")
    notice = None
    if raw.get("notice") is not None:
        notice = notices.get(raw["notice"])
        if notice is None:
            raise CalendarDataError(f"{origin}.notice: {raw['notice']!r} is not in the notices")
    return DayEntry(
        day,
        working,
        _text(raw["name"], f"{origin}.name"),
        _text(raw["basis"], f"{origin}.basis"),
        notice,
    )


def _text(value: Any, origin: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise CalendarDataError(f"{origin}: a text of 1 to {MAX_TEXT} characters")
    return value


def _date(value: Any, origin: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarDataError(f"{origin}: a date YYYY-MM-DD, not {value!r}") from None
