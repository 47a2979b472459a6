"""What is late or will be late (issue 17, docs/reports.md): on Friday 13 March 2026 (frozen
clock) a counter dossier due on the 12th is late with its appraisal held by the specialist, an
online one due on the 19th will be late within four working days (its step unclaimed), and a
dossier waiting for a supplement is in neither list (its clock is stopped)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from tests.http.test_issued_documents import move
from tests.support import ACCEPT, SUPPLEMENT, UNIT, HttpApi, at

OVERDUE = "/api/v1/reports/overdue"


@pytest.fixture
def dossiers(http: HttpApi, clock: FrozenClock) -> dict[str, str]:
    d: dict[str, str] = {}
    move(http, clock, at(3))
    d["late"] = http.submit("reception", channel="direct")["code"]
    http.act(d["late"], "reception", ACCEPT)  # due Thursday 12 March
    move(http, clock, at(9))
    d["waiting"] = http.submit()["code"]
    http.act(d["waiting"], "reception", SUPPLEMENT)
    move(http, clock, at(10))
    d["soon"] = http.submit()["code"]
    http.act(d["soon"], "reception", ACCEPT)  # due Thursday 19 March
    move(http, clock, at(11))
    task = http.task_for(d["late"], "specialist")
    http.claim(task["id"], "specialist")  # held, not completed
    move(http, clock, at(13))
    return d


def listed(http: HttpApi, user: str = "auditor", **query: Any) -> Any:
    return http.call("GET", OVERDUE, user, query=query)


def test_late_dossiers_show_the_open_step_and_the_officer_holding_it(
    http: HttpApi, dossiers: dict[str, str]
) -> None:
    body = listed(http, unit=UNIT)
    assert body["total"] == 1 and body["within"] == 0
    [late] = body["items"]
    assert late["code"] == dossiers["late"] and late["late"] is True
    assert late["due_at"].startswith("2026-03-12T") and late["due_at"].endswith("+07:00")
    assert late["appointment_at"] == late["due_at"]
    [step] = late["steps"]
    assert step["role"] == "specialist" and step["officer"] == "specialist"
    assert step["claimed_at"].startswith("2026-03-11T09:00")


def test_within_n_working_days_adds_what_will_be_late_and_skips_stopped_clocks(
    http: HttpApi, dossiers: dict[str, str]
) -> None:
    # Friday 13th + 3 working days ends Wednesday 18th: the 19th is not yet in view
    assert [i["code"] for i in listed(http, unit=UNIT, within=3)["items"]] == [dossiers["late"]]
    body = listed(http, unit=UNIT, within=4)  # ... through Thursday 19th, 16:30
    assert body["horizon"] == "2026-03-19T16:30:00+07:00"
    assert [i["code"] for i in body["items"]] == [dossiers["late"], dossiers["soon"]]
    soon = body["items"][1]
    assert soon["late"] is False
    [step] = soon["steps"]
    assert step["officer"] is None  # unclaimed: still in the specialists' shared inbox
    # the dossier waiting for a supplement is in no list, however far ahead
    far = listed(http, unit=UNIT, within=60)["items"]
    assert dossiers["waiting"] not in {i["code"] for i in far}
    paged = listed(http, unit=UNIT, within=4, page=2, page_size=1)
    assert paged["total"] == 2 and [i["code"] for i in paged["items"]] == [dossiers["soon"]]


def test_leaders_see_their_unit_auditors_all_and_every_read_is_logged(
    http: HttpApi, ctx: EngineContext, dossiers: dict[str, str]
) -> None:
    mine = listed(http, "leader", within=4)  # no unit: the leader's own
    assert mine["unit"] == UNIT and mine["total"] == 2
    assert listed(http, "admin")["total"] == 1  # every unit
    http.call("GET", OVERDUE, "leader_other", query={"unit": UNIT}, expect=403)
    http.call("GET", OVERDUE, "specialist", query={"unit": UNIT}, expect=403)
    http.call("GET", OVERDUE, "leader", query={"within": 61}, expect=422)
    with ctx.uow(write=False) as uow:
        logged = [e for e in uow.audit.stream_events("system") if e.type == "report_read"]
    assert [(e.actor_username, e.payload["report"], e.payload["within"]) for e in logged] == [
        ("leader", "overdue", 4),
        ("admin", "overdue", 0),
    ]
    assert logged[0].payload["as_of"] == "2026-03-13"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"unit": "000.00.99.H99"}, 404, None),
        ({"procedure": "khong_co"}, 404, None),
        ({"within": "-1"}, 422, "within"),
        ({"within": "mot"}, 422, "within"),
        ({"page_size": "0"}, 422, "page_size"),
    ],
)
def test_bad_parameters_are_refused_without_a_server_error(
    http: HttpApi, query: dict[str, str], status: int, field: str | None
) -> None:
    problem = http.call("GET", OVERDUE, "auditor", query=query, expect=status)
    if field is not None:
        assert field in {e["field"] for e in problem["errors"]}, problem
