"""Status 6 (docs/domain.md R-2.9): a dossier waiting for a fee or financial obligation. No BHXH
procedure charges one, so a test diagram (tests/fixtures/phi_thu_nghiem.bpmn) sets the fee after
acceptance and waits for reception to confirm the payment. The agency's clock is excluded while
waiting: it goes on with what was left, whatever the procedure's supplement policy."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.events import dossier_chain
from engine.services import definitions
from tests.conftest import ADMIN, VN
from tests.http.test_deadlines_api import Travel, act_on, local
from tests.support import HttpApi

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEY = "phi_thu_nghiem"
ACCEPT = {
    "decision": "accept",
    "documents_received": [{"name": "Đơn đề nghị", "kind": "original", "quantity": 1}],
}


@pytest.fixture(autouse=True)
def fee_procedure(ctx: EngineContext) -> None:
    bundle = bundle_from_directory(FIXTURES / f"{KEY}.bpmn", FIXTURES / "forms")
    definitions.deploy(ctx, ADMIN, bundle)


@pytest.fixture
def travel(http: HttpApi, clock: object) -> Travel:
    return Travel(http, clock)  # type: ignore[arg-type]


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=VN)


def waiting_for_the_fee(http: HttpApi, travel: Travel) -> str:
    """Accepted on Tuesday 10 March (7 working days: due Thursday 19), fee set on Thursday 12."""
    travel.set(at(10))
    code = str(http.submit(procedure=KEY, data={"purpose": "Thử"})["code"])
    act_on(http, code, "reception", "check", ACCEPT)
    assert http.dossier(code)["due_at"] == local(2026, 3, 19)
    travel.set(at(12, 10))
    waiting = act_on(http, code, "specialist", "assess", {"fee_amount": 50000})
    assert waiting["status"]["code"] == 6
    assert waiting["status"]["label"] == "Yêu cầu thực hiện nghĩa vụ tài chính"
    return code


def test_the_clock_is_excluded_while_the_applicant_pays(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    code = waiting_for_the_fee(http, travel)
    waiting = http.dossier(code, "citizen")
    assert waiting["clock_paused_at"] == local(2026, 3, 12, 10, 0)
    public = http.call(
        "GET", f"/api/v1/public/dossiers/{code}", None, query={"id_number": "001090012345"}
    )
    assert public["status"]["code"] == 6

    travel.set(at(16, 10))
    act_on(http, code, "reception", "wait_fee", {"receipt_number": "BL-0012"})
    paid = http.dossier(code)
    assert paid["status"]["code"] == 4 and paid["clock_paused_at"] is None
    # Wednesday 11 and Thursday 12 were used: five working days are left from Monday 16, so
    # Tuesday 17 ... Monday 23 March. (The procedure's supplement policy, `restart`, would
    # have counted all seven again, to Wednesday 25.)
    assert paid["due_at"] == paid["original_due_at"] == local(2026, 3, 23)
    with ctx.uow(write=False) as uow:
        clock_events = [
            (e.type, e.payload)
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type in {"clock_paused", "deadline_recomputed"}
        ]
    assert clock_events == [
        (
            "clock_paused",
            {
                "paused_at": "2026-03-12T03:00:00.000000+00:00",
                "waiting_for": "financial_obligation",
            },
        ),
        (
            "deadline_recomputed",
            {
                "supplement_clock": "pause",
                "paused_at": "2026-03-12T03:00:00.000000+00:00",
                "resumed_at": "2026-03-16T03:00:00.000000+00:00",
                "counted_from": "2026-03-16T03:00:00.000000+00:00",
                "budget": 5,
                "previous_due_at": "2026-03-19T09:30:00.000000+00:00",
                "due_at": "2026-03-23T09:30:00.000000+00:00",
                "original_due_at": "2026-03-23T09:30:00.000000+00:00",
                "waited_for": "financial_obligation",
            },
        ),
    ]
    travel.set(at(20, 15))
    act_on(http, code, "leader", "approve", {"decision": "approve"})
    resolved = http.dossier(code)
    assert resolved["status"]["code"] == 9
    assert resolved["timeliness"] == "early"  # against Monday 23, not Thursday 19
    timeline = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")["items"]
    actions = [entry["action"] for entry in timeline]
    assert "Tạm dừng tính thời hạn (chờ thực hiện nghĩa vụ tài chính)" in actions
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]


def test_a_dossier_waiting_for_its_fee_may_be_withdrawn(http: HttpApi, travel: Travel) -> None:
    code = waiting_for_the_fee(http, travel)
    travel.set(at(13))
    body = {"reason": "Không nộp phí nữa"}
    withdrawn = http.call("POST", f"/api/v1/dossiers/{code}/withdraw", "citizen", json=body)
    assert withdrawn["status"]["code"] == 7 and withdrawn["current_steps"] == []
    assert http.tasks("reception", dossier=code)["items"] == []
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]


def test_a_fee_asked_when_the_supplement_arrives_counts_the_supplement_rule_first(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    """5 → 6 → 4: the supplement ends by the procedure's rule (`restart`: the whole limit from
    the day it arrives), then the fee wait is excluded."""
    bundle = bundle_from_directory(FIXTURES / f"{KEY}.bpmn", FIXTURES / "forms")
    diagram = bundle[f"{KEY}.bpmn"].decode()
    supplement_wait = (
        '<bpmn:intermediateCatchEvent id="wait_supplement" name="Chờ bổ sung">'
        "<bpmn:extensionElements><camunda:properties>"
        '<camunda:property name="status" value="5" />'
        "</camunda:properties></bpmn:extensionElements>"
        "<bpmn:incoming>f_wait_fee</bpmn:incoming><bpmn:outgoing>f_to_fee</bpmn:outgoing>"
        '<bpmn:messageEventDefinition id="med_supplement" messageRef="msg_supplement" />'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:sequenceFlow id="f_to_fee" sourceRef="wait_supplement" targetRef="wait_fee" />'
    )
    diagram = (
        diagram.replace(
            '<bpmn:sequenceFlow id="f_wait_fee" sourceRef="assess" targetRef="wait_fee" />',
            '<bpmn:sequenceFlow id="f_wait_fee" sourceRef="assess" targetRef="wait_supplement" />'
            + supplement_wait,
        )
        .replace(
            "<bpmn:incoming>f_wait_fee</bpmn:incoming>\n      <bpmn:outgoing>f_approve",
            "<bpmn:incoming>f_to_fee</bpmn:incoming>\n      <bpmn:outgoing>f_approve",
        )
        .replace(
            "<bpmn:process ",
            '<bpmn:message id="msg_supplement" name="supplement_submitted" /><bpmn:process ',
        )
    )
    bundle[f"{KEY}.bpmn"] = diagram.encode()
    assert definitions.deploy(ctx, ADMIN, bundle).version == 2
    travel.set(at(10))
    code = str(http.submit(procedure=KEY, data={"purpose": "Thử"})["code"])
    act_on(http, code, "reception", "check", ACCEPT)
    travel.set(at(12, 10))
    act_on(http, code, "specialist", "assess", {"fee_amount": 50000})
    assert http.dossier(code)["status"]["code"] == 5
    travel.set(at(16, 10))
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    waiting = http.dossier(code)
    assert waiting["status"]["code"] == 6
    assert waiting["clock_paused_at"] == local(2026, 3, 16, 10, 0)
    travel.set(at(18, 10))
    act_on(http, code, "reception", "wait_fee", {"receipt_number": "BL-0013"})
    # The whole 7 working days from Monday 16 (restart), none of them used while the fee was
    # awaited: counted from Wednesday 18, to Friday 27 March.
    assert http.dossier(code)["due_at"] == local(2026, 3, 27)
    with ctx.uow(write=False) as uow:
        clock_events = [
            (e.type, e.payload.get("supplement_clock"), e.payload.get("budget"))
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type in {"clock_paused", "deadline_recomputed"}
        ]
    assert clock_events == [
        ("clock_paused", None, None),
        ("deadline_recomputed", "restart", 7),
        ("clock_paused", None, None),
        ("deadline_recomputed", "pause", 7),
    ]
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]
