"""The working calendar over HTTP: public reading, administrators' overrides, and R-0.1."""

from __future__ import annotations

from datetime import datetime

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.events import SYSTEM_CHAIN
from tests.conftest import VN
from tests.support import ACCEPT, HttpApi

OVERRIDE = "/api/v1/calendar/overrides/2026-03-14"


def test_anyone_can_read_a_years_holidays_and_office_hours(http: HttpApi) -> None:
    year = http.call("GET", "/api/v1/calendar", None, query={"year": 2026})
    assert year["office_hours"] == ["07:30-12:00", "13:00-16:30"]
    days = {d["day"]: d for d in year["days"]}
    assert [d for d in days if d.startswith("2026-02-1") or d == "2026-02-20"] == [
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
    ]
    assert not days["2026-02-17"]["working"] and "Tết Âm lịch" in days["2026-02-17"]["reason"]
    assert days["2026-08-22"] == {
        "day": "2026-08-22",
        "working": True,
        "reason": "Làm bù cho thứ Hai 31/8/2026",
        "overridden": False,
        "source": "announced",
        "origin": "vn/2026.json",
        "basis": "hoán đổi ngày làm việc dịp Quốc khánh 2026",
        "notice": None,
    }
    for query in ({}, {"year": 1800}, {"year": "soon"}):
        problem = http.call("GET", "/api/v1/calendar", None, query=query, expect=422)
        assert [e["field"] for e in problem["errors"]] == ["year"]


def test_only_administrators_set_overrides_and_bad_input_is_named(http: HttpApi) -> None:
    body = {"kind": "workday", "note": "Làm bù cho thứ Sáu 20/3"}
    http.call("PUT", OVERRIDE, None, json=body, expect=401)
    for user in ("reception", "leader", "analyst", "auditor", "citizen"):
        http.call("PUT", OVERRIDE, user, json=body, expect=403)
    problem = http.call(
        "PUT", "/api/v1/calendar/overrides/2026-13-01", "admin", json=body, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["day"]
    problem = http.call("PUT", OVERRIDE, "admin", json={"kind": "holiday"}, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["kind"]
    problem = http.call("PUT", OVERRIDE, "admin", json={**body, "note": "x" * 301}, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["note"]
    assert http.call("GET", "/api/v1/calendar/overrides", None)["items"] == []


def test_overrides_are_kept_listed_removed_and_audited(http: HttpApi, ctx: EngineContext) -> None:
    saved = http.call(
        "PUT", OVERRIDE, "admin", json={"kind": "workday", "note": "Làm bù cho thứ Sáu 20/3"}
    )
    assert saved == {
        "day": "2026-03-14",
        "kind": "workday",
        "note": "Làm bù cho thứ Sáu 20/3",
        "updated_by": "admin",
    }
    http.call("PUT", "/api/v1/calendar/overrides/2026-03-20", "admin", json={"kind": "day_off"})
    listed = http.call("GET", "/api/v1/calendar/overrides", None)["items"]
    assert [(o["day"], o["kind"]) for o in listed] == [
        ("2026-03-14", "workday"),
        ("2026-03-20", "day_off"),
    ]
    days = {
        d["day"]: d
        for d in http.call("GET", "/api/v1/calendar", None, query={"year": 2026})["days"]
    }
    assert days["2026-03-14"]["working"] and days["2026-03-14"]["overridden"]
    assert not days["2026-03-20"]["working"]

    http.call("PUT", OVERRIDE, "admin", json={"kind": "day_off", "note": "đổi ý"})
    http.call("DELETE", OVERRIDE, "admin", expect=204)
    assert http.call("DELETE", OVERRIDE, "admin", expect=404)["code"] == "not-found"
    with ctx.uow(write=False) as uow:
        changes = [
            (e.type, e.actor_username, e.payload.get("day") or e.payload["previous"]["day"])
            for e in uow.events.for_chain(SYSTEM_CHAIN)
            if e.type.startswith("calendar_override")
        ]
        previous = [
            e.payload["previous"]
            for e in uow.events.for_chain(SYSTEM_CHAIN)
            if e.type.startswith("calendar_override")
        ]
    assert changes == [
        ("calendar_override_set", "admin", "2026-03-14"),
        ("calendar_override_set", "admin", "2026-03-20"),
        ("calendar_override_set", "admin", "2026-03-14"),
        ("calendar_override_removed", "admin", "2026-03-14"),
    ]
    assert previous[2] == {
        "day": "2026-03-14",
        "kind": "workday",
        "note": "Làm bù cho thứ Sáu 20/3",
    }


def test_a_calendar_change_moves_new_appointments_but_never_accepted_ones(
    http: HttpApi, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 3, 13, 10, 0, tzinfo=VN))  # Friday
    before = http.submit()["code"]
    http.act(before, "reception", ACCEPT)
    assert http.dossier(before)["due_at"] == "2026-03-24T16:30:00+07:00"

    http.call("PUT", OVERRIDE, "admin", json={"kind": "workday", "note": "Làm bù"})
    after = http.submit()["code"]
    http.act(after, "reception", ACCEPT)
    # Saturday 14 March now counts: one day earlier for the dossier accepted after the change.
    assert http.dossier(after)["due_at"] == "2026-03-23T16:30:00+07:00"
    assert http.dossier(before)["due_at"] == "2026-03-24T16:30:00+07:00"


def test_the_openapi_document_lists_the_calendar_and_the_receipt(http: HttpApi) -> None:
    paths = http.call("GET", "/api/v1/openapi.json", None)["paths"]
    for path in (
        "/api/v1/calendar",
        "/api/v1/calendar/overrides",
        "/api/v1/calendar/overrides/{day}",
        "/api/v1/dossiers/{code}/receipt",
    ):
        assert path in paths, path
