"""The handling report counts the online dossiers whose acknowledgement was flagged late by the
2-hour check (R-2.4, issue 18 item 5; docs/reports.md), per unit and procedure and in the total,
as of a day: a flag recorded after the as-of day's end does not change that day's report (R-6.1).
Frozen clock; no notification channel is configured, so an online dossier's acknowledgement is
never delivered and the check flags it once 2 hours have passed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.services import acknowledgements
from tests.http.test_issued_documents import move
from tests.support import OTHER_UNIT, UNIT, HttpApi, at

REPORT = "/api/v1/reports/handling"
MARCH = {"from": "2026-03-01", "to": "2026-03-15"}


def report(
    http: HttpApi, as_of: str, scope: dict[str, str], user: str = "auditor", expect: int = 200
) -> Any:
    query = {**MARCH, "as_of": as_of, **scope}
    return http.call("GET", REPORT, user, query=query, expect=expect)


def test_a_late_acknowledgement_counts_in_its_units_row_from_the_day_it_was_flagged(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    ctx.settings = replace(ctx.settings, mail_dir=None)
    move(http, clock, at(2, 10))
    http.submit("reception", channel="direct")  # a counter dossier: no acknowledgement to flag
    move(http, clock, at(2, 23))
    http.submit()  # online, late 2 hours later: 01:00 on the 3rd
    move(http, clock, at(3, 1, 1))
    assert acknowledgements.check(ctx) == 1

    flagged = report(http, "2026-03-03", {"unit": UNIT})
    [row] = flagged["rows"]
    figures = row["figures"]
    assert (row["unit"], row["procedure"]) == (UNIT, "cap_lai_the_bhyt")
    assert (figures["received"], figures["received_online"], figures["late_acknowledgements"]) == (
        2,
        1,
        1,
    )
    assert flagged["total"]["late_acknowledgements"] == 1
    assert flagged["total"]["received"] == 2

    # the same period as of the 2nd: the dossier was received then, its flag came after
    before = report(http, "2026-03-02", {"unit": UNIT})
    [row] = before["rows"]
    assert row["figures"]["received_online"] == 1 and row["figures"]["late_acknowledgements"] == 0
    assert before["total"]["late_acknowledgements"] == 0

    other = report(http, "2026-03-03", {"unit": OTHER_UNIT})
    assert other["rows"] == [] and other["total"]["late_acknowledgements"] == 0
    mine = report(http, "2026-03-03", {}, "leader")  # a leader's own unit
    assert mine["total"]["late_acknowledgements"] == 1
    report(http, "2026-03-03", {"unit": UNIT}, "leader_other", expect=403)

    for scope in ({}, {"unit_group": "H29"}, {"procedure": "cap_lai_the_bhyt"}):
        assert report(http, "2026-03-03", scope)["total"]["late_acknowledgements"] == 1
    # not a figure of form 06a: no drill-down
    query = {**MARCH, "as_of": "2026-03-03", "unit": UNIT, "cell": "late_acknowledgements"}
    http.call("GET", REPORT + "/drilldown", "auditor", query=query, expect=422)
