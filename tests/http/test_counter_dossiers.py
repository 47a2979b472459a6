"""Counter and postal dossiers have no applicant account: reception of the unit acts for the
applicant (docs/domain.md R-2.8), so such a dossier never sticks at status 5 (supplement
requested)."""

from __future__ import annotations

import pytest

from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, SUPPLEMENT, HttpApi


@pytest.mark.parametrize("channel", ["direct", "postal"])
def test_a_counter_dossier_goes_past_a_supplement_request_to_the_end(
    http: HttpApi, channel: str
) -> None:
    code = http.submit("reception", channel=channel)["code"]
    http.act(code, "reception", SUPPLEMENT)
    assert http.dossier(code)["status"]["code"] == 5
    path = f"/api/v1/dossiers/{code}/supplements"
    # only reception of the dossier's unit acts for an applicant without an account
    for user in ("reception_other", "specialist", "leader", "citizen"):
        http.call("POST", path, user, json={"data": {"phone": "0987654321"}}, expect=403)
    supplemented = http.call("POST", path, "reception", json={"data": {"phone": "0987654321"}})
    assert supplemented["status"]["code"] != 5
    assert supplemented["submission"]["phone"] == "0987654321"
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    assert http.act(code, "reception", RETURN)["status"]["code"] == 10

    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")["items"]
    [event] = [e for e in events if e["type"] == "supplement_submitted"]
    assert event["actor"]["username"] == "reception"
    assert event["payload"]["on_behalf_of"]["channel"] == channel
    assert set(event["payload"]["on_behalf_of"]) == {"full_name", "id_number", "channel"}
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]


def test_an_online_dossier_with_an_account_stays_the_applicants_own(http: HttpApi) -> None:
    code = http.submit("citizen")["code"]
    http.act(code, "reception", SUPPLEMENT)
    path = f"/api/v1/dossiers/{code}/supplements"
    problem = http.call("POST", path, "reception", json={"data": {}}, expect=403)
    assert "applicant" in problem["detail"]
    http.call("POST", path, "citizen", json={"data": {}})
    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")["items"]
    [event] = [e for e in events if e["type"] == "supplement_submitted"]
    assert event["actor"]["username"] == "citizen" and "on_behalf_of" not in event["payload"]
