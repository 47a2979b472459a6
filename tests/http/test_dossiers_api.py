"""Submitting, reading, supplementing and publicly looking up dossiers."""

from __future__ import annotations

import hashlib
import io

from tests.support import ACCEPT, OTHER_UNIT, SUPPLEMENT, UNIT, HttpApi, applicant, submission


def test_submission_is_refused_per_field_when_the_form_rejects_it(http: HttpApi) -> None:
    problem = http.submit(
        data=submission(social_insurance_code="12AB", date_of_birth="17/05/1990"), expect=422
    )
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"data.social_insurance_code", "data.date_of_birth"}
    missing = submission()
    del missing["request_type"]
    problem = http.submit(data=missing, expect=422)
    assert problem["errors"][0]["field"] == "data.request_type"
    assert "is required" in problem["errors"][0]["message"]
    assert http.call("GET", "/api/v1/dossiers", "citizen")["total"] == 0


def test_submission_names_unknown_procedure_unit_and_bad_applicant(http: HttpApi) -> None:
    problem = http.submit(procedure="no_such_procedure", unit="999.99.99.X99", expect=422)
    assert {e["field"] for e in problem["errors"]} == {"procedure", "unit"}
    problem = http.submit(applicant=applicant(id_number="12-34-56-78"), expect=422)
    assert [e["field"] for e in problem["errors"]] == ["applicant.id_number"]
    problem = http.submit(applicant={"full_name": "An"}, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["applicant.id_number"]
    problem = http.submit(channel="direct", expect=422)
    assert [e["field"] for e in problem["errors"]] == ["channel"]
    problem = http.submit(colour="blue", expect=422)
    assert [e["field"] for e in problem["errors"]] == ["colour"]


def test_only_citizens_and_the_units_reception_submit(http: HttpApi) -> None:
    http.submit("specialist", expect=403)
    http.submit("auditor", expect=403)
    http.submit("reception_other", channel="direct", expect=403)
    counter = http.submit("reception", channel="direct", return_channel="postal")
    assert counter["channel"] == "direct" and counter["return_channel"] == "postal"
    assert http.submit("reception", channel="postal")["channel"] == "postal"
    http.submit(None, expect=401)


def test_reception_cannot_register_an_online_dossier(http: HttpApi) -> None:
    problem = http.submit("reception", channel="online", expect=422)
    assert [e["field"] for e in problem["errors"]] == ["channel"]
    problem = http.submit("reception", expect=422)  # online is the default channel
    assert [e["field"] for e in problem["errors"]] == ["channel"]
    assert http.call("GET", "/api/v1/dossiers", "reception")["total"] == 0


def test_dossier_codes_follow_the_circular_and_count_per_unit_and_day(http: HttpApi) -> None:
    codes = [http.submit()["code"] for _ in range(3)]
    assert codes == [f"{UNIT}-260310-000{n}" for n in (1, 2, 3)]
    assert http.submit(unit=OTHER_UNIT)["code"] == f"{OTHER_UNIT}-260310-0001"


def test_a_citizen_sees_only_their_own_dossiers(http: HttpApi) -> None:
    mine = http.submit("citizen")["code"]
    theirs = http.submit("citizen2")["code"]
    assert http.dossier(mine, "citizen")["code"] == mine
    assert http.dossier(theirs, "citizen", expect=403)["code"] == "permission-denied"
    assert [d["code"] for d in http.call("GET", "/api/v1/dossiers", "citizen")["items"]] == [mine]
    assert http.dossier("000.00.07.H29-260310-9999", "citizen", expect=404)["code"] == "not-found"


def test_officers_read_dossiers_of_their_unit_only(http: HttpApi) -> None:
    code = http.submit()["code"]
    for user in ("reception", "specialist", "leader", "auditor"):
        assert http.dossier(code, user)["code"] == code
    for user in ("reception_other", "leader_other", "analyst", "admin"):
        http.dossier(code, user, expect=403)
    listed = http.call("GET", "/api/v1/dossiers", "leader")
    assert [d["code"] for d in listed["items"]] == [code]
    assert listed["items"][0]["applicant_name"] == "N***** V** A*"
    assert http.call("GET", "/api/v1/dossiers", "leader_other")["total"] == 0


def test_supplements_are_only_for_the_owner_while_status_is_5(http: HttpApi) -> None:
    code = http.submit()["code"]
    path = f"/api/v1/dossiers/{code}/supplements"
    assert (
        http.call("POST", path, "citizen", json={"data": {}}, expect=409)["code"] == "invalid-state"
    )
    http.act(code, "reception", SUPPLEMENT)
    http.call("POST", path, "citizen2", json={"data": {}}, expect=403)
    http.call("POST", path, "reception", json={"data": {}}, expect=403)
    problem = http.call("POST", path, "citizen", json={"data": {"gender": "x"}}, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["data.gender"]
    assert http.dossier(code, "citizen")["status"]["code"] == 5
    http.call("POST", path, "citizen", json={"data": {"phone": "0987654321"}})
    http.call("POST", path, "citizen", json={"data": {}}, expect=409)
    http.act(code, "reception", ACCEPT)


def test_a_supplement_lists_only_files_uploaded_to_the_dossier(http: HttpApi) -> None:
    """An attachment's SHA-256 must be a file of this dossier: one never uploaded, or uploaded
    to another dossier (even the applicant's own), would show the officer a forged entry."""
    code, other = http.submit()["code"], http.submit()["code"]
    pdf = b"%PDF-1.4\n% giay chung nhan\n"
    sha = hashlib.sha256(pdf).hexdigest()
    uploaded = http.client.post(
        f"/api/v1/dossiers/{other}/files",
        data={"file": (io.BytesIO(pdf), "giay.pdf", "application/pdf")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    http.act(code, "reception", SUPPLEMENT)
    path = f"/api/v1/dossiers/{code}/supplements"
    forged = {
        "attachments": [
            {"name": "Giấy tờ giấy, nộp sau"},  # a paper named without a file: allowed
            {"name": "Giấy chứng nhận", "sha256": sha},
            {"name": "Bản sao", "sha256": "ab" * 32},
        ]
    }
    problem = http.call("POST", path, "citizen", json={"data": forged}, expect=422)
    assert [e["field"] for e in problem["errors"]] == [
        "data.attachments.1.sha256",
        "data.attachments.2.sha256",
    ]
    assert code in problem["errors"][0]["message"]
    assert http.dossier(code, "citizen")["status"]["code"] == 5
    assert "attachments" not in http.dossier(code, "citizen")["submission"]

    uploaded = http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(pdf), "giay.pdf", "application/pdf")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    listed = {"attachments": forged["attachments"][:2]}
    http.call("POST", path, "citizen", json={"data": listed})
    assert http.dossier(code, "citizen")["submission"]["attachments"] == listed["attachments"]


def test_public_lookup_needs_the_code_and_id_number_and_masks_the_name(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    found = http.call(
        "GET", f"/api/v1/public/dossiers/{code}", None, query={"id_number": "001090012345"}
    )
    assert found["status"]["label"] == "Đang xử lý"
    assert found["applicant_name"] == "N***** V** A*"
    assert found["procedure_name"] == "Cấp lại, đổi thẻ bảo hiểm y tế"
    assert found["received_at"] is not None
    assert "applicant" not in found and "submission" not in found
    assert "0912345678" not in str(found) and "001090012345" not in str(found)
    http.call(
        "GET",
        f"/api/v1/public/dossiers/{code}",
        None,
        query={"id_number": "001090099999"},
        expect=404,
    )
    http.call(
        "GET", "/api/v1/public/dossiers/nope", None, query={"id_number": "001090012345"}, expect=404
    )
    problem = http.call("GET", f"/api/v1/public/dossiers/{code}", None, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["id_number"]


def test_procedures_are_listed_publicly_with_their_form(http: HttpApi) -> None:
    listed = http.call("GET", "/api/v1/procedures", None)
    assert listed["total"] == len(listed["items"]) >= 1
    [item] = [i for i in listed["items"] if i["key"] == "cap_lai_the_bhyt"]
    assert item["version"] == 1
    assert item["sla"] == {"amount": 7, "unit": "working_days", "text": "7 working_days"}
    detail = http.call("GET", "/api/v1/procedures/cap_lai_the_bhyt", None)
    assert "social_insurance_code" in detail["submission_form"]["required"]
    assert [(s["bpmn_id"], s["role"]) for s in detail["steps"]] == [
        ("check_dossier", "reception"),
        ("approve_extra_supplement", "leader"),
        ("appraise", "specialist"),
        ("approve_result", "leader"),
        ("reappoint", "leader"),
        ("return_result", "reception"),
    ]
    http.call("GET", "/api/v1/procedures/nope", None, expect=404)
