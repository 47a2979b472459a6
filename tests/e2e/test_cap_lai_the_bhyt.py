"""The health-insurance card reissue procedure, driven over HTTP only, as its users would."""

from __future__ import annotations

from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    REFUSE,
    RETURN,
    SUPPLEMENT,
    UNIT,
    HttpApi,
    submission,
)


def test_a_dossier_goes_from_submission_to_returned_result(http: HttpApi) -> None:
    dossier = http.submit()
    code = dossier["code"]
    assert dossier["status"] == {"code": 1, "label": "Mới đăng ký", "label_en": "Newly submitted"}
    assert code.startswith(f"{UNIT}-260310-")
    assert [s["bpmn_id"] for s in dossier["current_steps"]] == ["check_dossier"]

    assert http.act(code, "reception", ACCEPT)["status"]["code"] == 4
    seen = http.dossier(code)
    assert seen["received_at"] is not None
    assert [s["role"] for s in seen["current_steps"]] == ["specialist"]

    assert http.act(code, "specialist", APPRAISE)["status"]["code"] == 4
    assert http.act(code, "leader", LEADER_APPROVE)["status"]["code"] == 9
    returned = http.act(code, "reception", RETURN)
    assert returned["status"]["code"] == 10
    assert returned["current_steps"] == []

    final = http.dossier(code, "citizen")
    assert final["status"]["label"] == "Đã trả kết quả"
    assert final["resolved_at"] is not None and final["finished_at"] is not None


def test_a_supplement_round_trip_comes_back_to_reception_and_is_accepted(http: HttpApi) -> None:
    incomplete = submission()
    del incomplete["card_number"]
    code = http.submit(data=incomplete)["code"]

    assert http.act(code, "reception", SUPPLEMENT)["status"]["code"] == 5
    assert http.dossier(code, "citizen")["status"]["label"] == "Yêu cầu bổ sung giấy tờ"
    assert http.tasks("reception", dossier=code)["total"] == 0

    resubmitted = http.call(
        "POST",
        f"/api/v1/dossiers/{code}/supplements",
        "citizen",
        json={"data": {"card_number": "DN4010123456789"}},
    )
    assert resubmitted["status"]["code"] == 1
    assert resubmitted["submission"]["card_number"] == "DN4010123456789"
    assert [s["bpmn_id"] for s in resubmitted["current_steps"]] == ["check_dossier"]

    assert http.act(code, "reception", ACCEPT)["status"]["code"] == 4


def test_a_second_supplement_request_needs_the_leader(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})

    after_second_request = http.act(code, "reception", SUPPLEMENT)
    assert after_second_request["status"]["code"] == 1
    assert [s["role"] for s in after_second_request["current_steps"]] == ["leader"]

    refused = http.act(
        code, "leader", {"decision": "reject", "reason": "Hồ sơ đã đủ, không bổ sung thêm"}
    )
    assert [s["bpmn_id"] for s in refused["current_steps"]] == ["check_dossier"]


def test_a_refused_dossier_is_closed_with_status_3(http: HttpApi) -> None:
    code = http.submit()["code"]
    refused = http.act(code, "reception", REFUSE)
    assert refused["status"]["code"] == 3
    assert refused["current_steps"] == []
    final = http.dossier(code, "citizen")
    assert final["status"]["label"] == "Không được tiếp nhận"
    assert final["received_at"] is None and final["finished_at"] is not None


def test_the_leader_can_send_the_appraisal_back_to_the_specialist(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPRAISE)
    back = http.act(code, "leader", {"decision": "return", "comment": "Kiểm tra lại số thẻ"})
    assert back["status"]["code"] == 4
    assert [s["bpmn_id"] for s in back["current_steps"]] == ["appraise"]
