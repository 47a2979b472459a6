"""The pension's appointment (Luật BHXH 2024 điều 79 khoản 3: 20 days, public holidays and Tết not
counted) on the real 2026 calendar across Tết equals a count made here, independently of the
engine's calendar: plain Python over dates, with the year's days off written out below."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.services import definitions
from tests.conftest import ADMIN, REPO, VN
from tests.support import UNIT, HttpApi, applicant

#: Vietnam's days off in 2026 (Công văn 12729/VPCP-KGVX for the New Year swap; Bộ luật Lao động
#: 2019 điều 112 for the holidays: Tết Bính Ngọ 16–20 February; Nghị quyết 28/2026/QH16 for 24 Nov).
DAYS_OFF_2026 = {
    date(2026, 1, 1),
    date(2026, 1, 2),
    date(2026, 2, 16),
    date(2026, 2, 17),
    date(2026, 2, 18),
    date(2026, 2, 19),
    date(2026, 2, 20),
    date(2026, 4, 26),
    date(2026, 4, 27),
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 8, 31),
    date(2026, 9, 1),
    date(2026, 9, 2),
    date(2026, 11, 24),
}
#: Saturdays worked by an official swap.
SATURDAYS_WORKED_2026 = {date(2026, 1, 10), date(2026, 8, 22)}


def is_working_day(day: date) -> bool:
    return (day.weekday() < 5 or day in SATURDAYS_WORKED_2026) and day not in DAYS_OFF_2026


def pension_due(received: date, days: int = 20) -> date:
    """Count `days` days after the day of receipt, weekends counted and days off not; a last day
    that is not a working day moves to the next working day."""
    day, counted = received, 0
    while counted < days:
        day += timedelta(days=1)
        if day not in DAYS_OFF_2026:
            counted += 1
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def pension_claim() -> dict[str, Any]:
    return {
        "case": "reserved",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "1964-01-20",
        "gender": "nam",
        "id_number": "001064012345",
        "social_insurance_code": "0123456789",
        "address": "12 Phố Huế, Hà Nội",
        "eligibility_date": "2026-02-01",
        "contribution_years": 28,
        "payment_method": "bank",
        "bank_account": "0011004455667",
        "bank_name": "Vietcombank",
    }


ACCEPT_PENSION = {
    "decision": "accept",
    "documents_received": [
        {"name": "Sổ bảo hiểm xã hội", "kind": "original", "quantity": 1},
        {"name": "Văn bản đề nghị hưởng lương hưu", "kind": "original", "quantity": 1},
    ],
}


def test_the_independent_count_knows_tet() -> None:
    # 20 plain calendar days from 5 February would end on 25 February, inside the count's
    # reach of Tết: the five days off push the appointment to Monday 2 March.
    assert date(2026, 2, 5) + timedelta(days=20) == date(2026, 2, 25)
    assert pension_due(date(2026, 2, 5)) == date(2026, 3, 2)


@pytest.mark.parametrize(
    "accepted",
    [
        datetime(2026, 2, 5, 9, 0, tzinfo=VN),  # Thursday: the 20th day is Monday 2 March
        datetime(2026, 2, 11, 14, 0, tzinfo=VN),  # Wednesday: the 20th day is a Sunday
        datetime(2026, 2, 13, 17, 0, tzinfo=VN),  # Friday after closing: counts from Monday 23
    ],
    ids=["thu-5-feb", "wed-11-feb", "fri-13-feb-after-hours"],
)
def test_the_pension_appointment_across_tet_equals_the_independent_count(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, accepted: datetime
) -> None:
    definitions.deploy(
        ctx, ADMIN, bundle_from_directory(REPO / "bpmn" / "luong_huu.bpmn", REPO / "forms")
    )
    clock.set(accepted)
    http.forget_tokens()
    code = http.submit(
        procedure="luong_huu", unit=UNIT, applicant=applicant(), data=pension_claim()
    )["code"]
    http.act(code, "reception", ACCEPT_PENSION)

    dossier = http.dossier(code)
    assert dossier["status"]["code"] == 4  # accepted, with the specialist
    received = accepted.date()
    if accepted.hour >= 17:  # after office hours: received at the next working day's opening
        received += timedelta(days=1)
        while not is_working_day(received):
            received += timedelta(days=1)
    due = datetime.fromisoformat(dossier["due_at"]).astimezone(VN)
    assert due.date() == pension_due(received)
    assert (due.hour, due.minute) == (16, 30)  # the close of office hours

    receipt = http.call("GET", f"/api/v1/dossiers/{code}/receipt", "citizen")
    assert datetime.fromisoformat(receipt["appointment_at"]) == due
