"""bhxh_mot_lan's catalogue entry and form, alike whichever modeler drew the diagram."""

from __future__ import annotations

import pytest

from tests.e2e.test_bhxh_mot_lan import DIALECTS, REQUEST_14_HSB
from tests.support import HttpApi

pytestmark = pytest.mark.usefixtures("dialect_copies")


@pytest.mark.parametrize("key", DIALECTS)
def test_the_request_form_is_enforced_whatever_the_modeler(http: HttpApi, key: str) -> None:
    problem = http.submit(
        procedure=key,
        data={**REQUEST_14_HSB, "payment_method": "bank", "bank_account": "x"},
        expect=422,
    )
    fields = {e["field"] for e in problem["errors"]}
    assert "data.bank_account" in fields


def test_the_three_dialects_give_the_same_procedure(http: HttpApi) -> None:
    details = [http.call("GET", f"/api/v1/procedures/{key}", None) for key in DIALECTS]
    assert {d["sla"]["text"] for d in details} == {"7 working_days"}
    step_lists = [
        sorted((s["bpmn_id"], s["role"], s["form_key"]) for s in d["steps"]) for d in details
    ]
    # The Camunda diagram is the service: it has gained the overdue path (R-2.5, Mẫu 04) and
    # dropped the placeholder code (the national code is not known). The two dialect copies
    # are demos of the same steps, kept as they were.
    service, *copies = step_lists
    reappoint = ("reappoint", "leader", "reappointment")
    assert reappoint in service
    assert [step for step in service if step != reappoint] == copies[0] == copies[1]
    assert len(copies[0]) == 7
    assert (details[0]["code"], details[0]["code_label"]) == (None, "chưa xác định")
    listed = {p["key"]: p for p in http.call("GET", "/api/v1/procedures", None)["items"]}
    assert listed["cap_lai_the_bhyt"]["code"] is None  # 1.000044 is another ministry's
    assert listed["cap_lai_the_bhyt"]["code_label"] == "chưa xác định"


def test_the_eligibility_choices_follow_article_70_of_the_2024_law(http: HttpApi) -> None:
    form = http.call("GET", "/api/v1/procedures/bhxh_mot_lan", None)["submission_form"]
    choices = {c["const"]: c["title"] for c in form["properties"]["reason"]["oneOf"]}
    assert len(choices) == 13  # (1)(a)-(e), (d) in two; (2)(a)-(đ), (c) in two
    assert choices["special_severe_disability"] == (
        "Điều 70 khoản 1 điểm d: Người khuyết tật đặc biệt nặng"
    )
    assert choices["serious_illness"].endswith("ung thư, bại liệt, xơ gan mất bù, lao nặng, AIDS")
    assert choices["armed_forces_discharge"].startswith("Điều 70 khoản 1 điểm e: ")
    assert choices["foreign_permit_expired"].startswith("Điều 70 khoản 2 điểm đ ")
    assert "78" in form["description"] and "77" not in form["description"]
    http.submit(
        procedure="bhxh_mot_lan",
        data={**REQUEST_14_HSB, "reason": "special_severe_disability"},
        applicant={"full_name": "Trần Thị Bình", "id_number": "001168004321"},
    )
    problem = http.submit(
        procedure="bhxh_mot_lan", data={**REQUEST_14_HSB, "reason": "tired"}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["data.reason"]
    detail = http.call("GET", "/api/v1/procedures/bhxh_mot_lan", None)
    assert "điều 70, 78, 79" in detail["properties"]["legal_basis"]
