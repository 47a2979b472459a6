"""The handling report (issue 17, docs/reports.md, R-6.1): dossiers driven through the API to
every outcome across two periods of March 2026; each figure equals a hand count, drills down to
its codes, and a report as of a day does not change when more events arrive afterwards."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from api.cli.root import main
from engine.clock import FrozenClock
from engine.context import EngineContext
from tests.documents_support import squeeze, texts
from tests.http.test_issued_documents import act_on, move, raw
from tests.http.test_withdraw_and_stop import STOP
from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    REFUSE,
    RETURN,
    SUPPLEMENT,
    UNIT,
    HttpApi,
    at,
)

REPORT = "/api/v1/reports/handling"
FIRST = {"from": "2026-03-01", "to": "2026-03-15"}
SECOND = {"from": "2026-03-16", "to": "2026-03-31"}


def report(http: HttpApi, period: dict[str, str], as_of: str, user: str = "auditor") -> Any:
    return http.call("GET", REPORT, user, query={**period, "as_of": as_of, "unit": UNIT})


def nonzero(figures: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in figures.items() if n}


def codes(http: HttpApi, period: dict[str, str], as_of: str, figure: str) -> list[str]:
    query = {**period, "as_of": as_of, "unit": UNIT, "cell": figure}
    body = http.call("GET", REPORT + "/drilldown", "auditor", query=query)
    return [item["code"] for item in body["items"]]


@pytest.fixture
def march(http: HttpApi, clock: FrozenClock) -> dict[str, Any]:
    """The first half of March: d1 resolved early and returned, d2 (counter) overdue, d3 (post)
    refused, d4 waiting for a supplement, d5 within its time. The first report as of the 15th."""
    d: dict[str, str] = {}
    move(http, clock, at(2))
    d["d1"] = http.submit()["code"]
    http.act(d["d1"], "reception", ACCEPT)
    move(http, clock, at(3))
    d["d2"] = http.submit("reception", channel="direct")["code"]
    http.act(d["d2"], "reception", ACCEPT)  # due Thursday 12 March
    move(http, clock, at(4))
    http.act(d["d1"], "specialist", APPRAISE)
    http.act(d["d1"], "leader", LEADER_APPROVE)  # due 11 March: early
    move(http, clock, at(5))
    http.act(d["d1"], "reception", RETURN)
    d["d3"] = http.submit("reception", channel="postal")["code"]
    http.act(d["d3"], "reception", REFUSE)
    move(http, clock, at(9))
    d["d4"] = http.submit()["code"]
    http.act(d["d4"], "reception", SUPPLEMENT)
    move(http, clock, at(10))
    d["d5"] = http.submit()["code"]
    http.act(d["d5"], "reception", ACCEPT)  # due Thursday 19 March
    move(http, clock, at(15, 20))
    return {"codes": d, "first": report(http, FIRST, "2026-03-15")}


FIRST_COUNTS = {
    "to_handle": 5,
    "received": 5,
    "received_online": 3,
    "received_direct": 1,
    "received_postal": 1,
    "resolved": 1,
    "resolved_early": 1,
    "refused": 1,
    "pending": 3,
    "pending_within_time": 1,
    "pending_overdue": 1,
    "waiting_supplement": 1,
    "returned": 1,
}


def second_half(http: HttpApi, clock: FrozenClock, d: dict[str, str]) -> None:
    """d4 withdrawn, d2 resolved late, d5 stopped, d6 (new) accepted on the 20th, due the 31st."""
    move(http, clock, at(16))
    withdraw = {"reason": "Tôi đã tìm lại được thẻ cũ"}
    http.call("POST", f"/api/v1/dossiers/{d['d4']}/withdraw", "citizen", json=withdraw)
    move(http, clock, at(17))
    http.act(d["d2"], "specialist", APPRAISE)
    act_on(http, d["d2"], "leader", "approve_result", LEADER_APPROVE)  # late: a Mẫu 04 is open
    move(http, clock, at(18))
    http.call("POST", f"/api/v1/dossiers/{d['d5']}/stop", "leader", json=STOP)
    move(http, clock, at(20))
    d["d6"] = http.submit()["code"]
    http.act(d["d6"], "reception", ACCEPT)
    move(http, clock, at(31, 20))


def test_each_figure_of_two_periods_is_the_hand_count_and_drills_down_to_its_codes(
    http: HttpApi, clock: FrozenClock, march: dict[str, Any]
) -> None:
    d = march["codes"]
    first = march["first"]
    assert nonzero(first["total"]) == FIRST_COUNTS
    [row] = first["rows"]
    assert (row["unit"], row["procedure"]) == (UNIT, "cap_lai_the_bhyt")
    assert row["figures"] == first["total"]
    assert codes(http, FIRST, "2026-03-15", "pending_overdue") == [d["d2"]]
    assert codes(http, FIRST, "2026-03-15", "received_online") == sorted(
        [d["d1"], d["d4"], d["d5"]]
    )
    assert codes(http, FIRST, "2026-03-15", "refused") == [d["d3"]]

    second_half(http, clock, d)
    assert nonzero(report(http, SECOND, "2026-03-31")["total"]) == {
        "to_handle": 4,
        "carried_over": 3,
        "received": 1,
        "received_online": 1,
        "resolved": 1,
        "resolved_late": 1,
        "withdrawn": 1,
        "stopped": 1,
        "pending": 1,
        "pending_overdue": 1,  # due 16:30 on the 31st: past at the end of the period
    }
    # as of the 30th, d6 is still within its time
    assert report(http, SECOND, "2026-03-30")["total"]["pending_within_time"] == 1
    assert codes(http, SECOND, "2026-03-31", "carried_over") == sorted([d["d2"], d["d4"], d["d5"]])
    assert codes(http, SECOND, "2026-03-31", "resolved_late") == [d["d2"]]
    assert codes(http, SECOND, "2026-03-31", "stopped") == [d["d5"]]


def test_a_report_as_of_a_day_is_the_same_after_more_events(
    http: HttpApi, clock: FrozenClock, march: dict[str, Any]
) -> None:
    """R-6.1: resolutions, withdrawals, stops and new dossiers after the 15th change nothing in
    the report as of the 15th, whether for the first half or the whole month."""
    month = {"from": "2026-03-01", "to": "2026-03-31"}
    month_as_of_15 = report(http, month, "2026-03-15")
    second_half(http, clock, march["codes"])
    assert report(http, FIRST, "2026-03-15") == march["first"]
    assert report(http, month, "2026-03-15") == month_as_of_15
    # …while the same month as of its end counts what came after
    assert report(http, month, "2026-03-31")["total"]["received"] == 6


def test_leaders_read_their_unit_and_every_format_carries_the_figures(
    http: HttpApi, march: dict[str, Any]
) -> None:
    query = {**FIRST, "as_of": "2026-03-15"}
    mine = http.call("GET", REPORT, "leader", query=query)  # no unit: the leader's own
    assert mine["unit"] == UNIT and mine["total"] == march["first"]["total"]
    http.call("GET", REPORT, "leader_other", query={**query, "unit": UNIT}, expect=403)
    http.call("GET", REPORT, "leader", query={**query, "unit_group": "H29"}, expect=403)
    http.call("GET", REPORT, "specialist", query={**query, "unit": UNIT}, expect=403)
    national = http.call("GET", REPORT, "admin", query=query)
    assert national["unit"] is None and national["total"] == march["first"]["total"]
    group = http.call("GET", REPORT, "auditor", query={**query, "unit_group": "H29"})
    assert group["total"] == march["first"]["total"]

    path = f"{REPORT}?from=2026-03-01&to=2026-03-15&as_of=2026-03-15&unit={UNIT}"
    xlsx = raw(http, path + "&format=xlsx", "leader")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0].startswith("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
    assert cells[4][:3] == (
        "STT",
        "Lĩnh vực, công việc giải quyết theo cấp",
        "Số hồ sơ nhận giải quyết",
    )
    assert "Số hồ sơ đã giải quyết" in cells[4] and "Số hồ sơ đang giải quyết" in cells[4]
    assert cells[5][2:10] == (
        "Tổng số",
        "Số kỳ trước chuyển qua",
        "Số mới tiếp nhận trực tuyến",
        "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
        "Tổng số",
        "Trả trước hạn",
        "Trả đúng thời hạn",
        "Trả quá hạn",
    )
    total = cells[-1]
    assert total[1] == "Tổng cộng"
    # received: 5 = 0 carried + 3 online + 2 counter and post; resolved 1, early 1; pending 3
    assert total[2:13] == (5, 0, 3, 2, 1, 1, 0, 0, 3, 1, 1)

    pdf = raw(http, path + "&format=pdf", "leader")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = squeeze(" ".join(texts(pdf.data)))
    assert squeeze("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH") in text
    assert squeeze("Tổng cộng 5 0 3 2 1 1 0 0 3 1 1 1 0 1 0 0 1") in text

    response = raw(http, path + "&format=csv", "auditor")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0][4] == "Số hồ sơ nhận giải quyết: Tổng số (to_handle)"
    assert lines[-1][1] == "Tổng cộng" and lines[-1][4:7] == ["5", "0", "5"]


def test_public_statistics_count_the_year_and_are_cacheable(
    http: HttpApi, clock: FrozenClock, march: dict[str, Any]
) -> None:
    path = "/api/v1/public/statistics?procedure=cap_lai_the_bhyt&year=2026"
    response = http.client.get(path)
    assert response.status_code == 200
    body = response.get_json()
    assert body["online_received"] == 3 and body["total_received"] == 5
    assert body["online_resolved"] == 1 and body["resolved"] == 1
    assert body["on_time_percent"] == 100.0 and body["as_of"] == "2026-03-15"
    assert "public" in response.headers["Cache-Control"]
    again = http.client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    second_half(http, clock, march["codes"])
    later = http.client.get(path).get_json()
    assert (
        later["resolved"] == 2
        and later["resolved_on_time"] == 1
        and later["on_time_percent"] == 50.0
    )
    assert http.client.get("/api/v1/public/statistics?procedure=khong_co").status_code == 404
    problem = http.client.get("/api/v1/public/statistics?procedure=cap_lai_the_bhyt&year=2027")
    assert problem.status_code == 422 and problem.get_json()["errors"][0]["field"] == "year"


def test_the_command_line_prints_the_same_figures_and_writes_the_workbook(
    march: dict[str, Any], cli_env: dict[str, str], tmp_path: Path
) -> None:
    base = ["report", "handling", "--from", "2026-03-01", "--to", "2026-03-15"]
    base += ["--as-of", "2026-03-15", "--unit", UNIT]
    shown = CliRunner().invoke(main, [*base, "--format", "json"], env=cli_env)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["total"] == march["first"]["total"]
    listed = CliRunner().invoke(main, [*base, "--figure", "refused"], env=cli_env)
    assert listed.output.split("\t")[0] == march["codes"]["d3"]
    target = tmp_path / "06a.xlsx"
    written = CliRunner().invoke(main, [*base, "--format", "xlsx", "-o", str(target)], env=cli_env)
    assert written.exit_code == 0, written.output
    assert load_workbook(target).active is not None
    assert "Đang tổng hợp" not in written.stderr  # not a terminal: no bar unless asked
    national = ["report", "handling", "--from", "2026-03-01", "--to", "2026-03-15"]
    national += ["--as-of", "2026-03-15", "--format", "xlsx", "-o", str(target), "--progress"]
    barred = CliRunner().invoke(main, national, env=cli_env)
    assert barred.exit_code == 0, barred.output
    assert "Đang tổng hợp báo cáo" in barred.stderr and "100%" in barred.stderr
    total = list(load_workbook(target).active.iter_rows(values_only=True))[-1]
    assert total[1] == "Tổng cộng" and total[2] == march["first"]["total"]["to_handle"]
    bad = CliRunner().invoke(
        main, [*base[:2], "--from", "2026-03-15", "--to", "2026-03-01"], env=cli_env
    )
    assert bad.exit_code != 0 and "to: must not be before 'from'" in bad.output


def test_the_applicant_rates_once_per_criterion_and_the_ratings_are_counted(
    http: HttpApi, clock: FrozenClock, march: dict[str, Any]
) -> None:
    d = march["codes"]
    path = f"/api/v1/dossiers/{d['d1']}/rating"
    first = {"ratings": {"overall": "very_satisfied", "timeliness": "satisfied"}}
    http.call("POST", path, "reception", json=first, expect=403)  # it has an applicant account
    http.call("POST", path, "citizen2", json=first, expect=403)
    rated = http.call("POST", path, "citizen", json=first, expect=201)
    assert rated["ratings"] == first["ratings"]
    again = {"ratings": {"overall": "not_satisfied"}}
    assert "overall" in http.call("POST", path, "citizen", json=again, expect=409)["detail"]
    more = {"ratings": {"staff_attitude": "not_satisfied"}, "comment": "Phải chờ lâu ở quầy"}
    assert len(http.call("POST", path, "citizen", json=more, expect=201)["ratings"]) == 3
    for bad in ({"ratings": {"price": "satisfied"}}, {"ratings": {"convenience": "great"}}):
        http.call("POST", path, "citizen", json=bad, expect=422)
    # not returned yet: d5 is only accepted
    http.call("POST", f"/api/v1/dossiers/{d['d5']}/rating", "citizen", json=first, expect=409)

    path_events = f"/api/v1/audit/dossiers/{d['d1']}/events"
    events = http.call("GET", path_events, "auditor", query={"page_size": 100})["items"]
    assert [e["type"] for e in events].count("satisfaction_rated") == 2
    replay = http.call("GET", f"/api/v1/audit/dossiers/{d['d1']}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]

    query = {**FIRST, "as_of": "2026-03-15", "unit": UNIT}
    counted = http.call("GET", "/api/v1/reports/satisfaction", "leader", query=query)
    assert counted["total"]["dossiers"] == 1
    tally = counted["total"]["tally"]
    assert tally["overall"]["very_satisfied"] == 1 and tally["staff_attitude"]["not_satisfied"] == 1
    assert sum(tally["convenience"].values()) == 0
    # every officer who completed one of d1's steps shares its rating
    assert {row["officer"] for row in counted["by_officer"]} == {
        "reception",
        "specialist",
        "leader",
    }
    # rated on the 15th: nothing as of the 14th
    earlier = {**query, "as_of": "2026-03-14"}
    assert (
        http.call("GET", "/api/v1/reports/satisfaction", "auditor", query=earlier)["total"][
            "dossiers"
        ]
        == 0
    )
    public = http.client.get("/api/v1/public/statistics?procedure=cap_lai_the_bhyt").get_json()
    assert public["satisfaction"]["timeliness"]["satisfied"] == 1


def test_reception_records_the_rating_of_a_counter_applicant(
    http: HttpApi, clock: FrozenClock
) -> None:
    move(http, clock, at(2))
    code = http.submit("reception", channel="direct")["code"]
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    http.act(code, "reception", RETURN)
    body = {"ratings": {"overall": "satisfied"}}
    path = f"/api/v1/dossiers/{code}/rating"
    http.call("POST", path, "reception_other", json=body, expect=403)
    http.call("POST", path, "reception", json=body, expect=201)
    path_events = f"/api/v1/audit/dossiers/{code}/events"
    events = http.call("GET", path_events, "auditor", query={"page_size": 100})["items"]
    [event] = [e for e in events if e["type"] == "satisfaction_rated"]
    assert event["actor"]["username"] == "reception"
    assert event["payload"]["on_behalf_of"]["channel"] == "direct"


def test_every_read_of_a_report_is_logged_and_a_refused_one_is_not(
    http: HttpApi, ctx: EngineContext, march: dict[str, Any]
) -> None:
    query = {**FIRST, "as_of": "2026-03-15", "unit": UNIT}
    http.call("GET", REPORT, "leader", query=query)
    http.call("GET", REPORT + "/drilldown", "auditor", query={**query, "cell": "refused"})
    http.call("GET", REPORT, "leader_other", query=query, expect=403)
    http.call("GET", REPORT, "auditor", query={**query, "as_of": "2026-02-01"}, expect=422)
    with ctx.uow(write=False) as uow:
        logged = [e for e in uow.audit.stream_events("system") if e.type == "report_read"]
    assert [(e.actor_username, e.payload["report"]) for e in logged] == [
        ("auditor", "handling"),  # the fixture's report
        ("leader", "handling"),
        ("auditor", "handling_dossiers"),
    ]
    assert logged[1].payload["format"] == "json" and logged[1].payload["unit"] == UNIT
    assert logged[2].payload["figure"] == "refused" and logged[2].payload["as_of"] == "2026-03-15"
