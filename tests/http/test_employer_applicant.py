"""Employer procedures (issue 19): an employer submits for its employees. The procedure says so
(`applicant: employer`), the employer is identified by its tax code and BHXH unit code, its list
of employees is checked row by row, its documents name it, and it looks its dossier up with the
tax code."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.errors import InvalidDefinitionError
from engine.services import definitions
from tests.conftest import ADMIN, REPO
from tests.http.test_deadlines_api import act_on
from tests.support import ACCEPT, UNIT, HttpApi, applicant

KEY = "om_dau"
EMPLOYER = {
    "kind": "employer",
    "full_name": "Công ty TNHH Dệt may Hồng Hà",
    "tax_code": "0101234567",
    "unit_code": "TA0123A",
    "address": "15 Lê Duẩn, Hà Nội",
    "contact_name": "Trần Thị Bình",
    "phone": "0243123456",
    "email": "nhansu@hongha.example.vn",
}


def sick_employee(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Lê Văn Cường",
        "social_insurance_code": "0123456789",
        "case": "own_illness",
        "working_condition": "normal",
        "treatment": "outpatient",
        "from_date": "2026-03-02",
        "to_date": "2026-03-04",
        "days": 3,
        "document": "leave_certificate",
        **overrides,
    }


def sickness_list(*employees: dict[str, Any]) -> dict[str, Any]:
    return {
        "period_month": "2026-03",
        "payment_channel": "employer_account",
        "employees": list(employees) or [sick_employee()],
    }


@pytest.fixture(autouse=True)
def sickness_procedure(ctx: EngineContext) -> None:
    definitions.deploy(
        ctx, ADMIN, bundle_from_directory(REPO / "bpmn" / f"{KEY}.bpmn", REPO / "forms")
    )


def submit(http: HttpApi, *, as_user: str = "citizen", expect: int = 201, **fields: Any) -> Any:
    body = {"procedure": KEY, "applicant": EMPLOYER, "data": sickness_list(), **fields}
    return http.submit(as_user, expect=expect, **body)


def fields_of(problem: dict[str, Any]) -> list[str]:
    return [e["field"] for e in problem["errors"]]


def test_the_catalogue_says_who_submits(http: HttpApi) -> None:
    listed = http.call("GET", "/api/v1/procedures", None)["items"]
    assert {p["key"]: p["applicant"] for p in listed} == {
        "bhxh_mot_lan": "person",
        "cap_lai_the_bhyt": "person",
        KEY: "employer",
    }
    assert http.call("GET", f"/api/v1/procedures/{KEY}", None)["applicant"] == "employer"


def test_an_employer_submits_its_list_and_its_applicant_record_is_kept(http: HttpApi) -> None:
    created = submit(http)
    assert created["status"]["code"] == 1
    assert created["applicant"] == {**EMPLOYER, "id_number": None}
    # A person's dossier keeps the payload it always had: no kind, no employer keys.
    person = http.submit()
    assert set(person["applicant"]) == {"full_name", "id_number", "phone", "email", "address"}


def test_the_wrong_kind_of_applicant_is_refused_naming_the_field(http: HttpApi) -> None:
    refused = submit(http, applicant=applicant(), expect=422)
    assert fields_of(refused) == ["applicant.kind"]
    assert "employer" in refused["errors"][0]["message"]
    # And an employer cannot submit a citizen's procedure.
    refused = http.submit(applicant=EMPLOYER, expect=422)
    assert fields_of(refused) == ["applicant.kind"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tax_code": "010123456"}, "applicant.tax_code"),
        ({"tax_code": "0101234567-01"}, "applicant.tax_code"),
        ({"unit_code": "ta 0123"}, "applicant.unit_code"),
        ({"address": None}, "applicant.address"),
        ({"contact_name": None}, "applicant.contact_name"),
        ({"id_number": "001090012345"}, "applicant.id_number"),
    ],
)
def test_the_employer_s_identifiers_are_checked(
    http: HttpApi, change: dict[str, Any], field: str
) -> None:
    refused = submit(http, applicant={**EMPLOYER, **change}, expect=422)
    assert field in fields_of(refused)


def test_a_branch_tax_code_is_accepted(http: HttpApi) -> None:
    submit(http, applicant={**EMPLOYER, "tax_code": "0101234567-001"})


def test_a_person_cannot_carry_an_employer_s_keys(http: HttpApi) -> None:
    refused = http.submit(applicant=applicant(tax_code="0101234567"), expect=422)
    assert fields_of(refused) == ["applicant.tax_code"]
    # A person's name keeps its limit of 100 characters; an employer's registered name has 200.
    refused = http.submit(applicant=applicant(full_name="Nguyễn " * 20), expect=422)
    assert fields_of(refused) == ["applicant.full_name"]
    submit(http, applicant={**EMPLOYER, "full_name": "Công ty " + "Dệt may " * 20})


def test_each_row_of_the_employee_list_is_checked_and_named(http: HttpApi) -> None:
    data = sickness_list(
        sick_employee(),
        sick_employee(social_insurance_code="12345"),
        sick_employee(case="child_care"),  # caring for a sick child: the child is required
        sick_employee(days=0.3, note="x"),
    )
    refused = submit(http, data=data, expect=422)
    assert set(fields_of(refused)) == {
        "data.employees.1.social_insurance_code",
        "data.employees.2.child_name",
        "data.employees.2.child_date_of_birth",
        "data.employees.3.days",
        "data.employees.3.note",
    }


def test_the_documents_name_the_employer_with_its_tax_code(http: HttpApi) -> None:
    code = submit(http)["code"]
    act_on(http, code, "reception", "check_dossier", ACCEPT)
    receipt = http.call("GET", f"/api/v1/dossiers/{code}/receipt", "citizen")
    assert receipt["applicant"]["tax_code"] == "0101234567"
    assert receipt["applicant"]["unit_code"] == "TA0123A"
    [document] = http.call("GET", f"/api/v1/dossiers/{code}/documents", "citizen")["items"]
    response = http.client.get(
        f"/api/v1/dossiers/{code}/documents/{document['id']}",
        headers={"Authorization": f"Bearer {http.token('citizen')}", "Accept": "text/html"},
    )
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Công ty TNHH Dệt may Hồng Hà (mã số thuế 0101234567)" in page


def html_of(http: HttpApi, code: str, template: str) -> str:
    items = http.call("GET", f"/api/v1/dossiers/{code}/documents", "citizen")["items"]
    [document] = [d for d in items if d["template"] == template]
    response = http.client.get(
        f"/api/v1/dossiers/{code}/documents/{document['id']}",
        headers={"Authorization": f"Bearer {http.token('citizen')}", "Accept": "text/html"},
    )
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def test_the_result_notice_is_addressed_to_the_employer_by_name(http: HttpApi) -> None:
    code = submit(http)["code"]
    act_on(http, code, "reception", "check_dossier", ACCEPT)
    approve = {
        "decision": "approve",
        "opinion": "Đủ điều kiện hưởng",
        "approved_count": 1,
        "total_amount": 750000,
    }
    act_on(http, code, "specialist", "appraise", approve)
    act_on(http, code, "leader", "approve_result", {"decision": "approve"})
    page = html_of(http, code, "thong_bao")
    employer = "Công ty TNHH Dệt may Hồng Hà (mã số thuế 0101234567)"
    assert f"Kính gửi: {employer}" in page
    assert "Ông/Bà" not in page and "ông/bà" not in page
    assert "Số người lao động được giải quyết: 1" in page
    assert "Tổng số tiền trợ cấp (đồng): 750.000" in page


def test_the_employer_looks_its_dossier_up_with_the_tax_code(http: HttpApi) -> None:
    code = submit(http)["code"]
    path = f"/api/v1/public/dossiers/{code}"
    found = http.call("GET", path, None, query={"tax_code": "0101234567"})
    assert found["status"]["code"] == 1 and found["unit_code"] == UNIT
    http.call("GET", path, None, query={"tax_code": "0101234568"}, expect=404)
    http.call("GET", path, None, expect=422)  # neither identifier
    both = {"tax_code": "0101234567", "id_number": "001090012345"}
    http.call("GET", path, None, query=both, expect=422)
    # A person's dossier is still found with the ID number, never with a tax code.
    person = http.submit()["code"]
    public = f"/api/v1/public/dossiers/{person}"
    http.call("GET", public, None, query={"id_number": "001090012345"})
    http.call("GET", public, None, query={"tax_code": "0101234567"}, expect=404)


def test_deploy_refuses_an_unknown_kind_of_applicant(ctx: EngineContext) -> None:
    bundle = bundle_from_directory(REPO / "bpmn" / f"{KEY}.bpmn", REPO / "forms")
    bundle[f"{KEY}.bpmn"] = bundle[f"{KEY}.bpmn"].replace(
        b'name="applicant" value="employer"', b'name="applicant" value="company"'
    )
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.deploy(ctx, ADMIN, bundle)
    assert any(
        "process property applicant 'company' is not a kind of applicant" in p.message
        for p in caught.value.problems
    ), caught.value.problems


def test_reception_hands_in_an_employer_s_supplement_at_the_counter(http: HttpApi) -> None:
    code = submit(http, as_user="reception", channel="direct")["code"]
    supplement = {
        "decision": "supplement",
        "missing_documents": ["Giấy chứng nhận nghỉ việc hưởng BHXH của người lao động"],
        "reasons": "Danh sách chưa kèm giấy chứng nhận",
    }
    act_on(http, code, "reception", "check_dossier", supplement)
    path = f"/api/v1/dossiers/{code}/supplements"
    http.call("POST", path, "reception", json={"data": {"batch": 2}})
    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")["items"]
    [event] = [e for e in events if e["type"] == "supplement_submitted"]
    assert event["payload"]["on_behalf_of"] == {
        "full_name": EMPLOYER["full_name"],
        "id_number": None,
        "tax_code": EMPLOYER["tax_code"],
        "channel": "direct",
    }
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]
