"""How values read on a page: dates in Vietnamese format in the deployment's time zone
(Asia/Ho_Chi_Minh), DVCQG status labels, time limits and roles in Vietnamese."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from engine.statuses import DossierStatus
from web.i18n import _

#: Colour family of each DVCQG status (a CSS modifier): under way, waiting for the applicant,
#: finished well, closed without a result.
STATUS_TONES = {
    DossierStatus.SUBMITTED: "moi",
    DossierStatus.ACCEPTED: "dang-xu-ly",
    DossierStatus.IN_PROCESS: "dang-xu-ly",
    DossierStatus.SUPPLEMENT_REQUESTED: "cho-bo-sung",
    DossierStatus.FINANCIAL_OBLIGATION: "cho-bo-sung",
    DossierStatus.RESOLVED: "hoan-thanh",
    DossierStatus.RETURNED: "hoan-thanh",
    DossierStatus.NOT_ACCEPTED: "dong",
    DossierStatus.WITHDRAWN: "dong",
    DossierStatus.STOPPED: "dong",
}
ROLE_NAMES = {
    "citizen": "Công dân, tổ chức",
    "reception": "Bộ phận Một cửa",
    "specialist": "Chuyên viên",
    "leader": "Lãnh đạo",
    "auditor": "Kiểm tra",
    "analyst": "Phân tích quy trình",
    "admin": "Quản trị hệ thống",
}
SLA_UNIT_NAMES = {
    "working_days": "ngày làm việc",
    "calendar_days_excl_holidays": "ngày (không kể ngày nghỉ lễ, Tết)",
    "working_hours": "giờ làm việc",
}


def local_date(value: datetime | date | None, tz: ZoneInfo) -> str:
    """`17/05/1990`; a datetime is first converted to the deployment's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(tz).date()
    return value.strftime("%d/%m/%Y")


def local_datetime(value: datetime | None, tz: ZoneInfo) -> str:
    """`10/03/2026 09:05` in the deployment's time zone."""
    if value is None:
        return ""
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def local_datetime_seconds(value: datetime | None, tz: ZoneInfo) -> str:
    """`10/03/2026 09:05:07 (GMT+7)`: a moment the record depends on (an acknowledgement)."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return local.strftime("%d/%m/%Y %H:%M:%S") + f" (GMT{hours:+d})"


def file_size(size: int) -> str:
    """`850 byte`, `12,5 KB`, `2,0 MB`: Vietnamese decimals."""
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def iso_date_text(value: str) -> str:
    """A form's `YYYY-MM-DD` as `dd/mm/yyyy`; anything else unchanged."""
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def is_iso_date(value: object) -> bool:
    """Whether a date input can show `value` (empty, or `YYYY-MM-DD`); otherwise the page shows
    what was typed in a text input, so nothing the person wrote is lost."""
    if value in (None, ""):
        return True
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10


def status_label(code: int) -> str:
    try:
        return _(DossierStatus(code).label)
    except ValueError:
        return _("Trạng thái %(code)s", code=code)


def status_tone(code: int) -> str:
    try:
        return STATUS_TONES[DossierStatus(code)]
    except (ValueError, KeyError):
        return "moi"


def role_name(role: str | None) -> str:
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else (role or "")


def sla_text(amount: int, unit: str, text: str, *, short: bool = False) -> str:
    """A time limit such as `7 working_days` in words: `7 ngày làm việc`; `short` leaves out
    the same-day cut-off (for a step inside a procedure)."""
    if unit == "same_day" and short:
        return _("trong ngày")
    if unit == "same_day":
        cutoff = text.split()[1] if len(text.split()) > 1 else "15:00"
        return _(
            "Trong ngày (hồ sơ nhận sau %(cutoff)s trả vào ngày làm việc tiếp theo)", cutoff=cutoff
        )
    if unit in SLA_UNIT_NAMES:
        return f"{amount} {_(SLA_UNIT_NAMES[unit])}"
    return text


def init_formatting(app: Flask, tz: ZoneInfo) -> None:
    app.jinja_env.filters["date"] = lambda value: local_date(value, tz)
    app.jinja_env.filters["datetime"] = lambda value: local_datetime(value, tz)
    app.jinja_env.filters["datetime_seconds"] = lambda value: local_datetime_seconds(value, tz)
    app.jinja_env.filters["filesize"] = file_size
    app.jinja_env.filters["iso_date"] = iso_date_text
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["status_tone"] = status_tone
    app.jinja_env.filters["role_name"] = role_name
    app.jinja_env.filters["is_iso_date"] = is_iso_date
    app.jinja_env.filters["sla"] = lambda sla: (
        sla_text(sla.amount, sla.unit, sla.text) if sla else ""
    )


def wait_text(seconds: int) -> str:
    """How long to wait, in words: `45 giây`, `2 phút`."""
    if seconds < 60:
        return _("%(n)s giây", n=max(seconds, 1))
    return _("%(n)s phút", n=(seconds + 59) // 60)
