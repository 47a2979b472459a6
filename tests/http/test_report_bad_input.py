"""Bad input to the reports (issue 17): an unknown unit, unit group or procedure is 404; a
reversed period, one over ten years, an `as_of` out of range, an unknown format or cell is 422
naming the parameter; never a server error. A period of ten years is one report."""

from __future__ import annotations

from typing import Any

import pytest

from engine.clock import FrozenClock
from tests.http.test_handling_report import REPORT, march
from tests.http.test_issued_documents import move
from tests.support import UNIT, HttpApi, at

__all__ = ["march"]  # the fixture, shared with the report's own tests


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-15", "to": "2026-03-01"}, "to"),
        ({"from": "2016-03-01", "to": "2026-03-01"}, "to"),  # ten years and a day
        ({"from": "2026-03-10", "to": "2026-03-15", "as_of": "2026-03-09"}, "as_of"),
        ({"from": "2026-03-01", "to": "2026-03-15", "as_of": "2026-04-01"}, "as_of"),
        (
            {"from": "2026-03-01", "to": "2026-03-15", "unit": UNIT, "unit_group": "H29"},
            "unit_group",
        ),
        ({"from": "2026-03-01", "to": "2026-03-15", "format": "docx"}, "format"),
        ({"from": "2026-03-01", "to": "0001-01-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-03-15"}, "from"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    http: HttpApi, clock: FrozenClock, query: dict[str, str], field: str
) -> None:
    move(http, clock, at(20))
    problem = http.call("GET", REPORT, "auditor", query=query, expect=422)
    assert field in {e["field"] for e in problem["errors"]}, problem


@pytest.mark.parametrize(
    "scope",
    [{"unit": "000.00.99.H99"}, {"unit_group": "H99"}, {"procedure": "khong_co"}],
)
def test_an_unknown_unit_group_or_procedure_is_404_everywhere(
    http: HttpApi, clock: FrozenClock, scope: dict[str, str]
) -> None:
    move(http, clock, at(20))
    query = {"from": "2026-03-01", "to": "2026-03-15", **scope}
    http.call("GET", REPORT, "auditor", query=query, expect=404)
    http.call(
        "GET", REPORT + "/drilldown", "auditor", query={**query, "cell": "received"}, expect=404
    )
    http.call("GET", "/api/v1/reports/satisfaction", "auditor", query=query, expect=404)


def test_a_period_of_ten_years_is_one_report(http: HttpApi, march: dict[str, Any]) -> None:
    decade = {"from": "2016-03-16", "to": "2026-03-15", "as_of": "2026-03-15", "unit": UNIT}
    body = http.call("GET", REPORT, "auditor", query=decade)
    assert body["total"] == march["first"]["total"]


def test_a_cell_that_does_not_exist_is_422_and_the_old_name_still_drills_down(
    http: HttpApi, march: dict[str, Any]
) -> None:
    query = {"from": "2026-03-01", "to": "2026-03-15", "as_of": "2026-03-15"}
    bad = {**query, "cell": "resolved_very_late"}
    problem = http.call("GET", REPORT + "/drilldown", "auditor", query=bad, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["cell"]
    old = http.call("GET", REPORT + "/dossiers", "auditor", query={**query, "figure": "refused"})
    assert [item["code"] for item in old["items"]] == [march["codes"]["d3"]]
