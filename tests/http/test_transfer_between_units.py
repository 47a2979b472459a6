"""Transfer between units (liên thông, issue 19): a user task with `transfer_to: <field>` opens
in the unit whose code an earlier step wrote in `<field>`; that unit's officers see and take it,
the dossier's own unit takes the next steps, and no other unit sees anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.errors import InvalidDefinitionError
from engine.services import definitions, units, users
from engine.services.users import NewUser
from tests.conftest import ADMIN
from tests.support import DEMO_PASSWORD, OTHER_UNIT, UNIT, HttpApi
from tests.tampering import tampering

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEY = "lien_thong_thu_nghiem"
THIRD_UNIT = "000.00.09.H29"
ACCEPT = {
    "decision": "accept",
    "documents_received": [{"name": "Sổ bảo hiểm xã hội", "kind": "original", "quantity": 1}],
}


def _bundle() -> dict[str, bytes]:
    return bundle_from_directory(FIXTURES / f"{KEY}.bpmn", FIXTURES / "forms")


@pytest.fixture(autouse=True)
def transfer_procedure(ctx: EngineContext) -> None:
    definitions.deploy(ctx, ADMIN, _bundle())
    units.create_unit(ctx, ADMIN, THIRD_UNIT, "BHXH quận Tây Hồ")
    users.create_user(
        ctx,
        ADMIN,
        NewUser(
            "specialist_third", DEMO_PASSWORD, "Chuyên viên Tây Hồ", ("specialist",), THIRD_UNIT
        ),
    )


def _items(http: HttpApi, user: str, code: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http.tasks(user, dossier=code)["items"]
    return items


def _assessed(http: HttpApi, records_unit: str, expect: int = 200) -> tuple[str, Any]:
    code = str(http.submit(procedure=KEY, data={"purpose": "Xác minh"})["code"])
    http.act(code, "reception", ACCEPT)
    task = http.task_for(code, "specialist")
    http.claim(task["id"], "specialist")
    done = http.complete(task["id"], "specialist", {"records_unit": records_unit}, expect=expect)
    return code, done


def test_the_unit_holding_the_records_takes_the_step_and_hands_it_back(http: HttpApi) -> None:
    code, _ = _assessed(http, OTHER_UNIT)
    [verify] = _items(http, "specialist_other", code)
    assert (verify["bpmn_id"], verify["unit_code"]) == ("verify", OTHER_UNIT)
    # the dossier's own unit and a third unit do not get the step
    assert _items(http, "specialist", code) == []
    assert _items(http, "specialist_third", code) == []
    for user in ("specialist", "specialist_third", "leader", "reception_other"):
        http.claim(verify["id"], user, expect=403)
    detail = http.call("GET", f"/api/v1/tasks/{verify['id']}", "specialist_other")
    assert detail["dossier"]["code"] == code and detail["data"]["records_unit"] == OTHER_UNIT
    http.call("GET", f"/api/v1/tasks/{verify['id']}", "specialist_third", expect=403)
    # the dossier stays its unit's: the receiving unit works on the step, not on the dossier
    http.dossier(code, "specialist_other", expect=403)
    http.dossier(code, "specialist_third", expect=403)

    http.claim(verify["id"], "specialist_other")
    http.complete(verify["id"], "specialist_other", {"contribution_months": 182})
    # done: the dossier is its own unit's again, the receiving unit no longer reads it
    for user in ("specialist_other", "leader_other"):
        http.call("GET", f"/api/v1/tasks/{verify['id']}", user, expect=403)
    http.call("GET", f"/api/v1/tasks/{verify['id']}", "auditor")
    http.dossier(code, "specialist")  # the dossier's own unit reads its dossier
    assert _items(http, "leader_other", code) == []
    [approve] = _items(http, "leader", code)
    assert (approve["bpmn_id"], approve["unit_code"]) == ("approve", UNIT)
    http.claim(approve["id"], "leader")
    http.complete(approve["id"], "leader", {"decision": "approve"})
    assert http.dossier(code)["status"]["code"] == 9

    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")["items"]
    opened = [(e["bpmn_id"], e["payload"]["unit"]) for e in events if e["type"] == "task_opened"]
    assert opened == [
        ("check", UNIT),
        ("assess", UNIT),
        ("verify", OTHER_UNIT),
        ("approve", UNIT),
    ]
    [completed] = [e for e in events if e["type"] == "task_completed" and e["bpmn_id"] == "verify"]
    assert completed["actor"]["username"] == "specialist_other"
    assert completed["actor"]["unit"] == OTHER_UNIT
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]


@pytest.mark.parametrize("records_unit", ["000.00.99.H29", " ", "x" * 40, THIRD_UNIT])
def test_a_unit_that_does_not_exist_or_is_closed_refuses_the_step_naming_the_field(
    http: HttpApi, ctx: EngineContext, records_unit: str
) -> None:
    with tampering(ctx) as conn:  # the third unit closed (an administrator's act elsewhere)
        conn.execute(text("UPDATE unit SET active = false WHERE code = :c"), {"c": THIRD_UNIT})
    code, problem = _assessed(http, records_unit, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["data.records_unit"]
    assert len(problem["errors"][0]["message"]) < 120  # the value is not echoed whole
    [still_open] = _items(http, "specialist", code)  # nothing changed
    assert still_open["bpmn_id"] == "assess"


@pytest.mark.parametrize(
    ("old", "new", "element", "message"),
    [
        (
            'name="transfer_to" value="records_unit"',
            'name="transfer_to" value="no_such_field"',
            "verify",
            "property transfer_to='no_such_field' names no text field of the procedure's forms",
        ),
        (
            'name="transfer_to" value="records_unit"',
            'name="transfer_to" value="contribution_months"',
            "verify",
            "names no text field",
        ),
        (
            'name="transfer_to" value="records_unit"',
            'name="transfer_to" value="purpose"',  # a field of the submission form only
            "verify",
            "not the submission form's",
        ),
        (
            '<camunda:property name="issues" value="mau_01" />',
            '<camunda:property name="issues" value="mau_01" />'
            '<camunda:property name="transfer_to" value="records_unit" />',
            "received",
            "only a user task is handed to another unit",
        ),
    ],
)
def test_a_transfer_that_cannot_work_is_refused_at_deploy(
    ctx: EngineContext, old: str, new: str, element: str, message: str
) -> None:
    bundle = _bundle()
    diagram = bundle[f"{KEY}.bpmn"].decode()
    assert old in diagram
    bundle[f"{KEY}.bpmn"] = diagram.replace(old, new, 1).encode()
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.deploy(ctx, ADMIN, bundle)
    found = [(p.element_id, p.message) for p in caught.value.problems]
    assert any(e == element and message in m for e, m in found), found


def test_a_step_inside_a_sub_process_goes_to_the_unit_the_step_before_named(
    http: HttpApi, ctx: EngineContext
) -> None:
    # luong_huu's verification sits in the processing sub-process, next to the waiting overdue
    # timer of its event sub-process, whose copy of the data predates the specialist's answer.
    repo = FIXTURES.parent.parent
    definitions.deploy(
        ctx, ADMIN, bundle_from_directory(repo / "bpmn" / "luong_huu.bpmn", repo / "forms")
    )
    claim = {
        "case": "reserved",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "1964-01-20",
        "gender": "nam",
        "id_number": "001064012345",
        "social_insurance_code": "0123456789",
        "address": "12 Phố Huế, Hà Nội",
        "eligibility_date": "2026-02-01",
        "payment_method": "bhxh_office",
    }
    code = str(http.submit(procedure="luong_huu", data=claim)["code"])
    http.act(code, "reception", ACCEPT)
    verify = {"decision": "verify", "opinion": "Cần xác minh", "records_unit": OTHER_UNIT}
    http.act(code, "specialist", verify)

    assert _items(http, "specialist", code) == []
    [task] = _items(http, "specialist_other", code)
    assert (task["bpmn_id"], task["unit_code"]) == ("verify_contributions", OTHER_UNIT)
    http.claim(task["id"], "specialist_other")
    http.complete(
        task["id"],
        "specialist_other",
        {"verification_result": "confirmed", "verified_contribution_months": 336,
         "verification_note": "Khớp dữ liệu thu"},
    )  # fmt: skip
    [back] = _items(http, "specialist", code)
    assert (back["bpmn_id"], back["unit_code"]) == ("appraise", UNIT)
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, (replay["mismatches"], replay["problems"])
