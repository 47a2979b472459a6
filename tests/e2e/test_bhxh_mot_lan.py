"""One-time social insurance withdrawal, drawn in three modelers (Camunda Modeler in bpmn/, and
the SpiffArena and plain bpmn.io copies in tests/fixtures/dialects/), driven over HTTP only: each
dialect runs the same procedure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import ACCEPT, RETURN, SUPPLEMENT, HttpApi

DIALECTS = ["bhxh_mot_lan", "bhxh_mot_lan_spiff", "bhxh_mot_lan_bpmnio"]
pytestmark = pytest.mark.usefixtures("dialect_copies")
REQUEST_14_HSB = {
    "full_name": "Trần Thị Bình",
    "date_of_birth": "1968-02-11",
    "gender": "nu",
    "id_number": "001168004321",
    "social_insurance_code": "0112233445",
    "address": "45 Kim Mã, Ba Đình, Hà Nội",
    "reason": "retirement_age_under_15_years",
    "contribution_years": 11.5,
    "payment_method": "bank",
    "bank_account": "0011002233445",
    "bank_name": "Vietcombank",
}
APPROVE = {
    "decision": "approve",
    "opinion": "Đủ tuổi nghỉ hưu, đóng 138 tháng, chưa đủ 15 năm",
    "contribution_months": 138,
    "benefit_amount": 152_000_000,
}
REJECT = {"decision": "reject", "opinion": "Chưa đủ điều kiện theo điều 70 Luật BHXH 2024"}
SIGN = {"decision": "approve", "decision_number": "1234/QĐ-BHXH"}
PAY = {"paid_via": "bank", "amount": 152_000_000, "reference": "UNC-2026-0042"}


def submit(http: HttpApi, key: str, **data: Any) -> dict[str, Any]:
    applicant = {"full_name": "Trần Thị Bình", "id_number": "001168004321"}
    return http.submit(  # type: ignore[no-any-return]
        procedure=key, data={**REQUEST_14_HSB, **data}, applicant=applicant
    )


def steps(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["bpmn_id"], s["role"]) for s in body["current_steps"]]


@pytest.mark.parametrize("key", DIALECTS)
def test_an_approved_withdrawal_is_paid_and_returned(http: HttpApi, key: str) -> None:
    dossier = submit(http, key)
    code = dossier["code"]
    assert dossier["status"]["code"] == 1
    assert steps(dossier) == [("check_dossier", "reception")]

    accepted = http.act(code, "reception", ACCEPT)
    assert accepted["status"]["code"] == 4
    assert steps(accepted) == [("appraise", "specialist")]
    assert http.dossier(code)["received_at"] is not None

    proposed = http.act(code, "specialist", APPROVE)
    assert steps(proposed) == [("approve_payment", "leader")]
    signed = http.act(code, "leader", SIGN)
    assert signed["status"]["code"] == 9
    assert steps(signed) == [("pay_benefit", "specialist")]
    paid = http.act(code, "specialist", PAY)
    assert steps(paid) == [("return_result", "reception")]
    returned = http.act(code, "reception", RETURN)
    assert returned["status"]["code"] == 10
    assert returned["current_steps"] == []
    final = http.dossier(code, "citizen")
    assert final["resolved_at"] is not None and final["finished_at"] is not None


@pytest.mark.parametrize("key", DIALECTS)
def test_an_ineligible_request_is_answered_in_writing(http: HttpApi, key: str) -> None:
    code = submit(http, key, reason="emigration")["code"]
    http.act(code, "reception", ACCEPT)
    assert steps(http.act(code, "specialist", REJECT)) == [("approve_refusal", "leader")]
    back = http.act(code, "leader", {"decision": "return", "comment": "Xem lại thời gian đóng"})
    assert steps(back) == [("appraise", "specialist")]
    http.act(code, "specialist", REJECT)
    signed = http.act(code, "leader", {"decision": "approve"})
    assert signed["status"]["code"] == 9
    assert steps(signed) == [("return_result", "reception")]
    assert http.act(code, "reception", RETURN)["status"]["code"] == 10


@pytest.mark.parametrize("key", DIALECTS)
def test_reception_asks_once_for_a_supplement_then_accepts(http: HttpApi, key: str) -> None:
    code = submit(http, key)["code"]
    assert http.act(code, "reception", SUPPLEMENT)["status"]["code"] == 5
    again = http.call(
        "POST",
        f"/api/v1/dossiers/{code}/supplements",
        "citizen",
        json={"data": {"phone": "0912345678"}},
    )
    assert steps(again) == [("check_dossier", "reception")]
    second = http.act(code, "reception", SUPPLEMENT)
    assert steps(second) == [("approve_extra_supplement", "leader")]
    refused = http.act(code, "leader", {"decision": "reject", "reason": "Hồ sơ đã đủ thành phần"})
    assert steps(refused) == [("check_dossier", "reception")]
    assert http.act(code, "reception", ACCEPT)["status"]["code"] == 4
