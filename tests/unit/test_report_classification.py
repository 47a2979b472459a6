"""Which figures one dossier counts in (engine.queries.handling_report.classify), from
hand-written histories: the cases the API scenario does not reach."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from engine.queries.report_figures import Period, classify
from engine.report_projection import DossierFacts

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 30), VN)


def local(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=VN).astimezone(UTC)


def dossier(
    submitted: datetime, *statuses: tuple[datetime, int], due: datetime | None = None
) -> DossierFacts:
    facts = DossierFacts("C", "U", "P", "online", submitted_at=submitted)
    facts.statuses = list(statuses)
    if due is not None:
        facts.dues = [(submitted, due)]
    return facts


def test_a_fee_awaited_at_the_end_is_waiting_for_the_applicant() -> None:
    facts = dossier(local(2), (local(2), 2), (local(3), 4), (local(9), 6), due=local(20, 16))
    assert classify(facts, MARCH) == (
        "to_handle",
        "received",
        "received_online",
        "pending",
        "waiting_fee",
    )


def test_the_statutory_date_judges_a_reappointed_dossier_late() -> None:
    # Mẫu 04 moved the appointment to the 25th; `dues` hold the statutory 20th only
    facts = dossier(local(2), (local(2), 2), (local(24), 9), due=local(20, 16))
    assert "resolved_late" in classify(facts, MARCH)


def test_resolved_before_the_period_and_returned_in_it_counts_only_as_returned() -> None:
    facts = dossier(
        local(20, month=2), (local(20, month=2), 2), (local(27, month=2), 9), (local(2), 10)
    )
    assert classify(facts, MARCH) == ("returned",)


def test_resolved_and_returned_the_same_day_before_the_due_day_is_early() -> None:
    facts = dossier(
        local(2), (local(2), 2), (local(5, 10), 9), (local(5, 11), 10), due=local(6, 16)
    )
    assert classify(facts, MARCH) == (
        "to_handle",
        "received",
        "received_online",
        "resolved",
        "resolved_early",
        "returned",
    )


def test_a_day_boundary_is_vietnams_midnight() -> None:
    # 23:30 on 28 February in Hanoi is 16:30 UTC: before the period, carried over into it
    facts = dossier(local(28, 23, month=2), (local(28, 23, month=2), 2), due=local(10, 16))
    assert classify(facts, MARCH)[:2] == ("to_handle", "carried_over")
    # 00:30 on 1 April is after the period
    assert classify(dossier(local(1, 0, month=4)), MARCH) == ()


def test_as_of_a_day_hides_what_happened_after_it() -> None:
    early = Period(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 10), VN)
    facts = dossier(local(2), (local(2), 2), (local(12), 9), due=local(20, 16))
    assert classify(facts, early)[-2:] == ("pending", "pending_within_time")
