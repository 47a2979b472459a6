"""Time-limit declarations and lane names, as analysts write them in diagrams."""

from __future__ import annotations

from datetime import time

import pytest

from engine.procedures.model import Sla, role_for_lane


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("7 working_days", 7, "working_days"),
        (" 20 calendar_days_excl_holidays ", 20, "calendar_days_excl_holidays"),
        ("8 working_hours", 8, "working_hours"),
    ],
)
def test_time_limits_parse(text: str, amount: int, unit: str) -> None:
    sla = Sla.parse(text)
    assert (sla.amount, sla.unit) == (amount, unit)
    assert Sla.parse(sla.text) == sla


def test_same_day_has_a_cutoff_defaulting_to_three_pm() -> None:
    assert Sla.parse("same_day").cutoff == time(15, 0)
    assert Sla.parse("same_day 11:30").cutoff == time(11, 30)
    assert Sla.parse("same_day 11:30").text == "same_day 11:30"


@pytest.mark.parametrize(
    "text",
    [
        "7",
        "seven working_days",
        "7 fortnights",
        "0 working_days",
        "same_day 25:00",
        "",
        "7 same_day",
    ],
)
def test_malformed_time_limits_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match="time limit|unit|time of day|at least"):
        Sla.parse(text)


@pytest.mark.parametrize(
    ("lane", "role"),
    [
        ("reception", "reception"),
        ("Bộ phận Một cửa", "reception"),
        ("  bộ phận  một cửa ", "reception"),
        ("Chuyên viên", "specialist"),
        ("Lãnh đạo", "leader"),
        ("LEADER", "leader"),
        ("Thủ kho", None),
        (None, None),
    ],
)
def test_lanes_name_roles_by_key_or_vietnamese_name(lane: str | None, role: str | None) -> None:
    assert role_for_lane(lane) == role
