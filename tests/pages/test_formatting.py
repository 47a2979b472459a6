"""Values as a Vietnamese reader expects them: dd/mm/yyyy in Hanoi time, DVCQG status labels
for every code, time limits and waits in words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from engine.statuses import DossierStatus
from web.formatting import (
    STATUS_TONES,
    local_date,
    local_datetime,
    sla_text,
    status_label,
    status_tone,
    wait_text,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_dates_are_day_month_year_in_hanoi_time() -> None:
    late_evening_utc = datetime(2026, 3, 9, 17, 30, tzinfo=UTC)  # 00:30 on the 10th in Hanoi
    assert local_date(late_evening_utc, HANOI) == "10/03/2026"
    assert local_datetime(late_evening_utc, HANOI) == "10/03/2026 00:30"
    assert local_date(date(1990, 5, 17), HANOI) == "17/05/1990"
    assert local_date(None, HANOI) == ""


def test_every_dvcqg_status_has_its_vietnamese_label_and_a_colour() -> None:
    assert [status_label(code) for code in range(1, 11)] == [s.label for s in DossierStatus]
    assert status_label(4) == "Đang xử lý" and status_label(10) == "Đã trả kết quả"
    assert set(STATUS_TONES) == set(DossierStatus)
    assert status_tone(5) == "cho-bo-sung" and status_tone(99) == "moi"
    assert status_label(99) == "Trạng thái 99"


def test_time_limits_and_waits_read_as_words() -> None:
    assert sla_text(7, "working_days", "7 working_days") == "7 ngày làm việc"
    assert sla_text(20, "calendar_days_excl_holidays", "") == "20 ngày (không kể ngày nghỉ lễ, Tết)"
    assert sla_text(0, "same_day", "same_day 15:00", short=True) == "trong ngày"
    assert wait_text(45) == "45 giây" and wait_text(61) == "2 phút"
