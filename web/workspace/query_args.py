"""Reading the filters of the auditors' and administrators' lists from untrusted query strings and
forms: a page number, a date typed as `yyyy-mm-dd` (the date input) or `dd/mm/yyyy`, bounded
text. Bad values become a message for their field, never an exception."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from web.simple_forms import FormErrors

MAX_PAGE = 100_000
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def page_number(text: str | None) -> int:
    """A page from 1; anything else reads as the first page."""
    if text and text.isdigit() and len(text) < 7:
        return min(max(int(text), 1), MAX_PAGE)
    return 1


def parse_day(text: str) -> date | None:
    """`2026-12-03` or `03/12/2026`; None when it is neither or not a real day."""
    text = text.strip()
    try:
        if found := _DMY.match(text):
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def read_day(errors: FormErrors, field: str, text: str, message: str) -> date | None:
    """An optional day: empty is None, a bad one adds `message` for `field`."""
    if not text.strip():
        return None
    found = parse_day(text)
    if found is None or not 2000 <= found.year <= 2100:
        errors.add(field, message)
        return None
    return found


def day_start(day: date | None, tz: ZoneInfo) -> datetime | None:
    """The first instant of a local day (filters compare with UTC times in storage)."""
    return datetime.combine(day, time.min, tz) if day is not None else None


def day_after(day: date | None, tz: ZoneInfo) -> datetime | None:
    """The first instant after a local day: `before` bound of a period ending that day."""
    return datetime.combine(day + timedelta(days=1), time.min, tz) if day is not None else None


def bounded(text: str | None, max_length: int) -> str:
    return (text or "").strip()[:max_length]
