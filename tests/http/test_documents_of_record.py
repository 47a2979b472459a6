"""Documents of record (docs/domain.md §2, R-2.3, R-2.5): Mẫu 01 is issued at acceptance and never
changes; a re-appointment issues Mẫu 04 with the new date, which must be a future working day,
and a letter issued after its limit is still issued and reported as late. Every procedure has the
overdue path, bhxh_mot_lan included."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.definitions.cache import model_of
from engine.events import dossier_chain
from engine.records import FORM_SET
from engine.scheduler import TimerScheduler
from engine.services import definitions
from engine.services.audit_dossiers import replay_dossier
from tests.conftest import ADMIN, REPO
from tests.e2e.test_bhxh_mot_lan import APPROVE, PAY, REQUEST_14_HSB, SIGN
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, HttpApi, at

MAU_04 = {"decision": "reappoint", "reason": "Chờ xác minh của BHXH tỉnh", "apology": "Xin lỗi"}
#: The Vietnamese names of Circular 03/2025/TT-VPCP's seven forms (docs/domain.md §2).
CIRCULAR_03_2025 = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    "05": "Thông báo dừng giải quyết hồ sơ",
    "06": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "07": "Sổ theo dõi hồ sơ",
}


def local(day: int, hour: int = 16, minute: int = 30) -> str:
    return at(day, hour, minute).isoformat()


def move(http: HttpApi, clock: FrozenClock, when: datetime) -> None:
    clock.set(when)
    http.forget_tokens()


def act_on(http: HttpApi, code: str, user: str, bpmn_id: str, data: dict[str, Any]) -> Any:
    [task] = [t for t in http.tasks(user, dossier=code)["items"] if t["bpmn_id"] == bpmn_id]
    http.claim(task["id"], user)
    return http.complete(task["id"], user, data)


def warned(http: HttpApi, ctx: EngineContext, clock: FrozenClock, procedure: str) -> str:
    """A dossier accepted Tuesday 10 March (due Thursday 19), warned on Wednesday 18 at 08:00."""
    move(http, clock, at(10))
    if procedure == "bhxh_mot_lan":
        applicant = {"full_name": "Trần Thị Bình", "id_number": "001168004321"}
        code = str(
            http.submit(procedure=procedure, data=REQUEST_14_HSB, applicant=applicant)["code"]
        )
    else:
        code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    assert http.dossier(code)["due_at"] == local(19)
    move(http, clock, at(18, 8))
    assert TimerScheduler(ctx).run_once() == 1
    assert http.dossier(code)["overdue_warned_at"] == local(18, 8, 0)
    return code


def assert_replays(ctx: EngineContext, code: str) -> None:
    result = replay_dossier(ctx, ADMIN, code)
    assert result.problems == [] and result.mismatches == [], (result.problems, result.mismatches)


def test_the_receipt_stays_as_issued_when_a_new_appointment_is_made(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = warned(http, ctx, clock, "cap_lai_the_bhyt")
    path = f"/api/v1/dossiers/{code}/receipt"
    issued = http.call("GET", path, "citizen")
    assert issued["appointment_at"] == local(19)
    assert (issued["form"], issued["title"]) == ("01", CIRCULAR_03_2025["01"])
    http.call("GET", f"/api/v1/dossiers/{code}/reappointment", "citizen", expect=409)

    act_on(http, code, "leader", "reappoint", {**MAU_04, "new_due_date": "2026-03-24"})
    assert http.dossier(code)["due_at"] == local(24)
    assert http.call("GET", path, "citizen") == issued  # Mẫu 01 is a document of record
    letter = http.call("GET", f"/api/v1/dossiers/{code}/reappointment", "citizen")
    assert (letter["form"], letter["title"]) == ("04", CIRCULAR_03_2025["04"])
    assert letter["form_set"] == "Thông tư 03/2025/TT-VPCP"
    assert (letter["issued_by"], letter["issued_at"]) == ("leader", local(18, 8, 0))
    assert letter["data"]["previous_due_at"] == "2026-03-19T09:30:00.000000+00:00"
    assert letter["data"]["new_due_at"] == "2026-03-24T09:30:00.000000+00:00"
    assert letter["data"]["reason"] == MAU_04["reason"]
    assert letter["data"]["issued_late"] is False
    assert letter["data"]["latest_issue_day"] == "2026-03-18"
    with ctx.uow(write=False) as uow:
        issued_events = [
            e.payload["form"]
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type == "document_issued"
        ]
    assert issued_events == ["01", "04"]
    assert_replays(ctx, code)


def test_documents_of_record_cannot_be_changed_in_the_database(
    http: HttpApi, ctx: EngineContext
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    for sql in ("UPDATE document SET issued_by = 'someone'", "DELETE FROM document"):
        with pytest.raises(DBAPIError, match="append-only"), ctx.db.engine.begin() as conn:
            conn.execute(text(sql))
    assert http.call("GET", f"/api/v1/dossiers/{code}/receipt", "citizen")["received_by"] == (
        "reception"
    )


def test_a_letter_after_the_appointment_proposes_a_date_after_today_and_is_late(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = warned(http, ctx, clock, "cap_lai_the_bhyt")
    move(http, clock, at(20, 10))  # Friday: the appointment (Thursday 19) has passed
    [task] = [t for t in http.tasks("leader", dossier=code)["items"] if t["bpmn_id"] == "reappoint"]
    http.claim(task["id"], "leader")
    for bad_date, message in (
        (
            "2026-03-20",
            "must be a future date, after today 20/03/2026; the appointment 19/03/2026 has passed",
        ),
        (
            "2026-03-10",
            "must be a future date, after today 20/03/2026; the appointment 19/03/2026 has passed",
        ),
        ("2026-03-22", "22/03/2026 is not a working day (weekend)"),
    ):
        problem = http.complete(
            task["id"], "leader", {**MAU_04, "new_due_date": bad_date}, expect=422
        )
        assert problem["errors"] == [{"field": "data.new_due_date", "message": message}]
    http.complete(task["id"], "leader", {**MAU_04, "new_due_date": "2026-03-23"})

    shown = http.dossier(code, "citizen")["reappointment"]
    assert shown["issued_late"] is True and shown["latest_issue_day"] == "2026-03-18"
    with ctx.uow(write=False) as uow:
        [payload] = [
            e.payload for e in uow.events.for_chain(dossier_chain(code)) if e.type == "reappointed"
        ]
    assert (payload["issued_late"], payload["latest_issue_day"]) == (True, "2026-03-18")
    letter = http.call("GET", f"/api/v1/dossiers/{code}/reappointment", "auditor")
    assert letter["data"]["issued_late"] is True
    timeline = http.call(
        "GET", f"/api/v1/audit/dossiers/{code}/events", "auditor", query={"page_size": 100}
    )["items"]
    [phrase] = [e["action"] for e in timeline if e["type"] == "reappointed"]
    assert "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Mẫu 04)" in phrase
    assert "ban hành muộn" in phrase
    # Resolved before the new date, after the original one: still late in the statistics.
    act_on(http, code, "specialist", "appraise", APPRAISE)
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    assert http.dossier(code)["timeliness"] == "late"
    assert_replays(ctx, code)


@pytest.mark.parametrize(("when", "late"), [(at(18, 16, 0), False), (at(19, 8, 0), True)])
def test_the_limit_is_the_working_day_before_the_appointment(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, when: datetime, late: bool
) -> None:
    code = warned(http, ctx, clock, "cap_lai_the_bhyt")
    move(http, clock, when)
    act_on(http, code, "leader", "reappoint", {**MAU_04, "new_due_date": "2026-03-25"})
    assert http.dossier(code)["reappointment"]["issued_late"] is late


def test_bhxh_mot_lan_has_the_overdue_path_with_mau_04(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = warned(http, ctx, clock, "bhxh_mot_lan")
    inbox = {t["bpmn_id"]: t for t in http.tasks("leader", dossier=code)["items"]}
    assert set(inbox) == {"reappoint"}
    assert inbox["reappoint"]["name"] == (
        "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Mẫu 04)"
    )
    assert inbox["reappoint"]["due_at"] == local(18)  # the same day
    act_on(http, code, "leader", "reappoint", {**MAU_04, "new_due_date": "2026-03-24"})
    assert http.dossier(code)["due_at"] == local(24)
    assert http.dossier(code)["original_due_at"] == local(19)
    move(http, clock, at(23, 10))
    act_on(http, code, "specialist", "appraise", APPROVE)
    signed = act_on(http, code, "leader", "approve_payment", SIGN)
    assert [s["bpmn_id"] for s in signed["current_steps"]] == ["pay_benefit"]
    assert signed["status"]["code"] == 9
    act_on(http, code, "specialist", "pay_benefit", PAY)
    assert act_on(http, code, "reception", "return_result", RETURN)["status"]["code"] == 10
    assert http.dossier(code)["timeliness"] == "late"
    assert http.call("GET", f"/api/v1/dossiers/{code}/receipt", "citizen")["appointment_at"] == (
        local(19)
    )
    assert_replays(ctx, code)


def test_resolving_the_dossier_cancels_the_warning_task_in_bhxh_mot_lan(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = warned(http, ctx, clock, "bhxh_mot_lan")
    act_on(http, code, "specialist", "appraise", APPROVE)
    act_on(http, code, "leader", "approve_payment", SIGN)
    assert [t["bpmn_id"] for t in http.tasks("leader", dossier=code)["items"]] == []
    assert http.dossier(code)["timeliness"] == "early"


@pytest.mark.parametrize(
    "diagram",
    # The bhxh_mot_lan_spiff/_bpmnio copies are demos of the same steps in other modelers.
    [
        p
        for p in sorted((REPO / "bpmn").glob("*.bpmn"))
        if not p.stem.endswith(("_spiff", "_bpmnio"))
    ],
    ids=lambda p: p.stem,
)
def test_every_procedure_has_the_overdue_path(ctx: EngineContext, diagram: Path) -> None:
    bundle = bundle_from_directory(diagram, REPO / "forms")
    result = definitions.deploy(ctx, ADMIN, bundle)
    assert not [w for w in result.warnings if "R-2.5" in w.message]
    assert not [w for w in result.warnings if "procedure_code" in w.message]
    with ctx.uow(write=False) as uow:
        definition = uow.definitions.latest(diagram.stem)
        assert definition is not None
        nodes = model_of(definition).nodes.values()
    assert [n.kind for n in nodes if n.properties.get("overdue_warning") == "true"] == [
        "startEvent"
    ]
    [task] = [n for n in nodes if n.properties.get("reappointment") == "true"]
    assert (task.kind, task.role, task.form_key) == ("userTask", "leader", "reappointment")


def test_the_form_set_is_circular_03_2025() -> None:
    assert FORM_SET.name == "Thông tư 03/2025/TT-VPCP"
    assert dict(FORM_SET.titles) == CIRCULAR_03_2025
