"""Legal deadlines through the API with a frozen clock: appointments, the supplement clock,
timeliness, the overdue warning and Mẫu 04, and the receipt (Mẫu 01)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from engine.calendar.versions import repository_data
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.events import dossier_chain
from engine.scheduler import TimerScheduler
from engine.services import definitions
from tests.conftest import ADMIN, REPO, VN
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, HttpApi, submission

SUPPLEMENT_IN_PROCESSING = {
    "decision": "supplement",
    "opinion": "Thiếu giấy tờ chứng minh",
    "missing_documents": ["Bản sao giấy khai sinh"],
    "reasons": "Cần đối chiếu ngày sinh",
}


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def local(y: int, m: int, d: int, hh: int = 16, mm: int = 30) -> str:
    """How the API shows a Hanoi time (16:30 is the close of office hours)."""
    return at(y, m, d, hh, mm).isoformat()


def act_on(http: HttpApi, code: str, user: str, bpmn_id: str, data: dict[str, Any]) -> Any:
    """Claim and complete the dossier's task `bpmn_id` from `user`'s inbox."""
    items = [t for t in http.tasks(user, dossier=code)["items"] if t["bpmn_id"] == bpmn_id]
    assert len(items) == 1, f"{user} has {len(items)} '{bpmn_id}' tasks for {code}"
    http.claim(items[0]["id"], user)
    return http.complete(items[0]["id"], user, data)


class Travel:
    """Moves the frozen clock; tokens issued before the jump may have expired."""

    def __init__(self, http: HttpApi, clock: FrozenClock) -> None:
        self.http, self.clock = http, clock

    def set(self, when: datetime) -> None:
        self.clock.set(when)
        self.http.forget_tokens()


@pytest.fixture
def travel(http: HttpApi, clock: FrozenClock) -> Travel:
    return Travel(http, clock)


def accepted(http: HttpApi, travel: Travel, when: datetime) -> str:
    travel.set(when)
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    return str(code)


def test_a_dossier_accepted_on_the_friday_before_tet_is_due_after_the_holiday(
    http: HttpApi, travel: Travel
) -> None:
    code = accepted(http, travel, at(2026, 2, 13, 10, 0))
    dossier = http.dossier(code)
    assert dossier["received_at"] == local(2026, 2, 13, 10, 0)
    # 7 working days: Mon 23 - Fri 27 February, Mon 2 and Tue 3 March (Tết is 16-20 February).
    assert dossier["due_at"] == local(2026, 3, 3)
    assert dossier["original_due_at"] == local(2026, 3, 3)
    assert dossier["sla"] == "7 working_days"
    # The specialist's step has its own limit (4 working days): Thursday 26 February.
    [appraise] = dossier["current_steps"]
    assert (appraise["bpmn_id"], appraise["due_at"]) == ("appraise", local(2026, 2, 26))
    assert http.dossier(code, "citizen")["due_at"] == local(2026, 3, 3)


def test_a_dossier_submitted_at_22h_counts_from_the_next_working_day(
    http: HttpApi, travel: Travel
) -> None:
    travel.set(at(2026, 3, 10, 22, 0))
    late = http.submit()["code"]
    # Reception's own step (8 working hours) starts at Wednesday's opening, too.
    [check] = http.dossier(late)["current_steps"]
    assert check["due_at"] == local(2026, 3, 11)
    travel.set(at(2026, 3, 10, 22, 5))  # accepted at once by an officer on duty
    http.act(late, "reception", ACCEPT)
    on_time = accepted(http, travel, at(2026, 3, 10, 10, 0))
    # Counted from Wednesday 11 March: Thu 12 ... Fri 20 March; the morning one from Tuesday.
    assert http.dossier(late)["due_at"] == local(2026, 3, 20)
    assert http.dossier(on_time)["due_at"] == local(2026, 3, 19)
    receipt = http.call("GET", f"/api/v1/dossiers/{late}/receipt", "citizen")
    assert receipt["received_at"] == local(2026, 3, 10, 22, 5)
    assert receipt["appointment_at"] == local(2026, 3, 20)


def test_a_supplement_during_processing_restarts_the_clock(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    code = accepted(http, travel, at(2026, 3, 10))
    assert http.dossier(code)["due_at"] == local(2026, 3, 19)
    travel.set(at(2026, 3, 12, 10, 0))
    asked = act_on(http, code, "specialist", "appraise", SUPPLEMENT_IN_PROCESSING)
    assert asked["status"]["code"] == 5 and asked["current_steps"] == []
    waiting = http.dossier(code, "citizen")
    assert waiting["clock_paused_at"] == local(2026, 3, 12, 10, 0)
    assert waiting["due_at"] == local(2026, 3, 19)

    travel.set(at(2026, 3, 16, 10, 0))
    back = http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    assert back["status"]["code"] == 4
    assert [s["bpmn_id"] for s in back["current_steps"]] == ["appraise"]
    # Restarted from Monday 16 March: the whole 7 working days again, to Wednesday 25 March.
    assert back["due_at"] == back["original_due_at"] == local(2026, 3, 25)
    assert back["clock_paused_at"] is None
    # What replay needs is on the dossier's chain.
    with ctx.uow(write=False) as uow:
        clock_events = [
            (e.type, e.payload)
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type in {"deadline_set", "clock_paused", "deadline_recomputed"}
        ]
    assert clock_events == [
        (
            "deadline_set",
            {
                "sla": "7 working_days",
                "supplement_clock": "restart",
                "received_at": "2026-03-10T02:00:00.000000+00:00",
                "counted_from": "2026-03-10T02:00:00.000000+00:00",
                "due_at": "2026-03-19T09:30:00.000000+00:00",
                "calendar_version": 1,
                "calendar_hash": repository_data(ctx).content_hash,
            },
        ),
        ("clock_paused", {"paused_at": "2026-03-12T03:00:00.000000+00:00"}),
        (
            "deadline_recomputed",
            {
                "supplement_clock": "restart",
                "paused_at": "2026-03-12T03:00:00.000000+00:00",
                "resumed_at": "2026-03-16T03:00:00.000000+00:00",
                "counted_from": "2026-03-16T03:00:00.000000+00:00",
                "budget": 7,
                "previous_due_at": "2026-03-19T09:30:00.000000+00:00",
                "due_at": "2026-03-25T09:30:00.000000+00:00",
                "original_due_at": "2026-03-25T09:30:00.000000+00:00",
            },
        ),
    ]


def test_a_procedure_may_pause_the_clock_instead(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    bundle = bundle_from_directory(REPO / "bpmn" / "cap_lai_the_bhyt.bpmn", REPO / "forms")
    diagram = bundle["cap_lai_the_bhyt.bpmn"].decode()
    bundle["cap_lai_the_bhyt.bpmn"] = diagram.replace(
        '<camunda:property name="supplement_clock" value="restart" />',
        '<camunda:property name="supplement_clock" value="pause" />',
    ).encode()
    assert definitions.deploy(ctx, ADMIN, bundle).version == 2

    code = accepted(http, travel, at(2026, 3, 10))
    travel.set(at(2026, 3, 12, 10, 0))  # Wednesday 11 and Thursday 12 are used up
    act_on(http, code, "specialist", "appraise", SUPPLEMENT_IN_PROCESSING)
    travel.set(at(2026, 3, 16, 10, 0))
    back = http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    # Five working days were left: Tue 17 ... Mon 23 March.
    assert back["due_at"] == local(2026, 3, 23)
    assert back["definition_version"] == 2


@pytest.mark.parametrize(
    ("resolved_at", "timeliness"),
    [
        (at(2026, 3, 18, 16, 0), "early"),
        (at(2026, 3, 19, 20, 0), "on_time"),
        (at(2026, 3, 20, 8, 0), "late"),
    ],
)
def test_timeliness_on_the_boundary_dates(
    http: HttpApi, travel: Travel, resolved_at: datetime, timeliness: str
) -> None:
    code = accepted(http, travel, at(2026, 3, 10))  # due Thursday 19 March
    travel.set(at(2026, 3, 11, 9, 0))
    http.act(code, "specialist", APPRAISE)
    travel.set(resolved_at)
    resolved = act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    assert resolved["status"]["code"] == 9
    dossier = http.dossier(code)
    assert dossier["timeliness"] == timeliness
    assert dossier["resolved_at"] == resolved_at.isoformat()


def test_each_step_is_classified_against_its_own_due_date(http: HttpApi, travel: Travel) -> None:
    code = accepted(http, travel, at(2026, 3, 10))
    appraise = http.task_for(code, "specialist")
    assert appraise["due_at"] == local(2026, 3, 16)  # 4 working days
    travel.set(at(2026, 3, 16, 11, 0))
    http.claim(appraise["id"], "specialist")
    http.complete(appraise["id"], "specialist", APPRAISE)
    approve = http.task_for(code, "leader")
    assert approve["due_at"] == local(2026, 3, 17)  # 1 working day
    travel.set(at(2026, 3, 18, 9, 0))
    http.claim(approve["id"], "leader")
    http.complete(approve["id"], "leader", LEADER_APPROVE)
    done = {
        t["bpmn_id"]: t
        for t in (
            http.call("GET", f"/api/v1/tasks/{appraise['id']}", "specialist"),
            http.call("GET", f"/api/v1/tasks/{approve['id']}", "leader"),
        )
    }
    assert done["appraise"]["timeliness"] == "on_time"
    assert done["appraise"]["completed_at"] == local(2026, 3, 16, 11, 0)
    assert done["approve_result"]["timeliness"] == "late"
    assert http.dossier(code)["timeliness"] == "early"  # the dossier is still within 19 March
    # A step without a limit of its own is due by the appointment.
    assert http.task_for(code, "reception")["due_at"] == local(2026, 3, 19)


def test_the_overdue_warning_and_a_new_appointment(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    code = accepted(http, travel, at(2026, 3, 10))  # due Thursday 19 March
    assert http.dossier(code)["overdue_warned_at"] is None
    travel.set(at(2026, 3, 11))
    http.act(code, "specialist", APPRAISE)
    assert TimerScheduler(ctx).run_once() == 0
    assert http.tasks("leader", dossier=code)["items"][0]["dossier_overdue_warned_at"] is None

    # One working day before the appointment, at opening time, the warning fires.
    travel.set(at(2026, 3, 18, 7, 31))
    assert TimerScheduler(ctx).run_once() == 1
    warned = http.dossier(code)
    assert warned["overdue_warned_at"] == local(2026, 3, 18, 7, 31)
    inbox = {t["bpmn_id"]: t for t in http.tasks("leader", dossier=code)["items"]}
    assert set(inbox) == {"approve_result", "reappoint"}
    assert inbox["reappoint"]["dossier_overdue_warned_at"] == local(2026, 3, 18, 7, 31)
    assert inbox["reappoint"]["dossier_due_at"] == local(2026, 3, 19)
    assert inbox["reappoint"]["due_at"] == local(2026, 3, 18)  # Mẫu 04 the same day

    task_id = inbox["reappoint"]["id"]
    http.claim(task_id, "leader")
    mau_04 = {"decision": "reappoint", "reason": "Chờ xác minh của BHXH tỉnh"}
    for bad_date, message in (
        ("2026-03-19", "must be after the current appointment 19/03/2026"),
        ("2026-03-21", "21/03/2026 is not a working day (weekend)"),
    ):
        problem = http.complete(task_id, "leader", {**mau_04, "new_due_date": bad_date}, expect=422)
        assert problem["errors"] == [{"field": "data.new_due_date", "message": message}]
    http.complete(task_id, "leader", {**mau_04, "new_due_date": "2026-03-24"})
    moved = http.dossier(code, "citizen")
    assert moved["due_at"] == local(2026, 3, 24)
    assert moved["original_due_at"] == local(2026, 3, 19)
    assert moved["reappointment"]["reason"] == "Chờ xác minh của BHXH tỉnh"
    assert moved["reappointment"]["previous_due_at"] == local(2026, 3, 19)
    public = http.call(
        "GET", f"/api/v1/public/dossiers/{code}", None, query={"id_number": "001090012345"}
    )
    assert public["due_at"] == local(2026, 3, 24)

    # Resolved before the new date, after the original one: still late in the statistics.
    travel.set(at(2026, 3, 23, 10, 0))
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    assert http.dossier(code)["timeliness"] == "late"


def test_only_one_new_appointment_is_accepted(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    code = accepted(http, travel, at(2026, 3, 10))  # due Thursday 19 March
    travel.set(at(2026, 3, 18, 8, 0))
    TimerScheduler(ctx).run_once()
    act_on(
        http,
        code,
        "leader",
        "reappoint",
        {"decision": "reappoint", "reason": "Chờ xác minh", "new_due_date": "2026-03-27"},
    )
    # The specialist then needs a document: the clock restarts from the resubmission.
    travel.set(at(2026, 3, 18, 10, 0))
    act_on(http, code, "specialist", "appraise", SUPPLEMENT_IN_PROCESSING)
    travel.set(at(2026, 3, 19, 10, 0))
    back = http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    assert back["due_at"] == local(2026, 3, 30)  # 7 working days from Thursday 19 March

    travel.set(at(2026, 3, 27, 7, 45))  # one working day before 30 March: warned again
    assert TimerScheduler(ctx).run_once() == 1
    second = next(
        t for t in http.tasks("leader", dossier=code)["items"] if t["bpmn_id"] == "reappoint"
    )
    http.claim(second["id"], "leader")
    problem = http.complete(
        second["id"],
        "leader",
        {"decision": "reappoint", "reason": "Vẫn chờ xác minh", "new_due_date": "2026-04-03"},
        expect=409,
    )
    assert problem["code"] == "reappointment-limit"
    assert http.dossier(code)["due_at"] == local(2026, 3, 30)
    http.complete(
        second["id"], "leader", {"decision": "no_reappointment", "reason": "Trả đúng hẹn 30/3"}
    )
    assert [t["bpmn_id"] for t in http.tasks("leader", dossier=code)["items"]] == []
    assert http.dossier(code)["reappointment"]["new_due_at"] == local(2026, 3, 27)


def test_the_warning_task_disappears_when_the_dossier_is_resolved(
    http: HttpApi, travel: Travel, ctx: EngineContext
) -> None:
    code = accepted(http, travel, at(2026, 3, 10))
    travel.set(at(2026, 3, 18, 8, 0))
    TimerScheduler(ctx).run_once()
    act_on(http, code, "specialist", "appraise", APPRAISE)
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    assert http.tasks("leader", dossier=code)["total"] == 0
    assert http.dossier(code)["timeliness"] == "early"


def test_the_receipt_is_mau_01_of_an_accepted_dossier(http: HttpApi, travel: Travel) -> None:
    travel.set(at(2026, 3, 10, 9, 0))
    code = http.submit(data=submission())["code"]
    path = f"/api/v1/dossiers/{code}/receipt"
    assert http.call("GET", path, "citizen", expect=409)["code"] == "invalid-state"
    travel.set(at(2026, 3, 10, 9, 20))
    http.act(code, "reception", ACCEPT)
    receipt = http.call("GET", path, "citizen")
    assert receipt == {
        "form": "01",
        "title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "form_set": "Thông tư 03/2025/TT-VPCP",
        "issued_at": local(2026, 3, 10, 9, 20),
        "code": code,
        "procedure": "cap_lai_the_bhyt",
        "procedure_code": None,  # the national code is not known yet (never a wrong one)
        "procedure_name": "Cấp lại, đổi thẻ bảo hiểm y tế",
        "unit_code": "000.00.07.H29",
        "unit_name": "BHXH quận Ba Đình",
        "applicant": {
            "full_name": "Nguyễn Văn An",
            "id_number": "001090012345",
            "address": "12 Phố Huế, Hà Nội",
            "phone": "0912345678",
            "email": "an.nguyen@example.vn",
        },
        "documents_received": ACCEPT["documents_received"],
        "received_at": local(2026, 3, 10, 9, 20),
        "received_by": "reception",
        "sla": "7 working_days",
        "appointment_at": local(2026, 3, 19),
        "channel": "online",
        "return_channel": "online",
        "calendar_version": 1,
    }
    for user in ("reception", "specialist", "leader", "auditor"):
        http.call("GET", path, user)
    for user in ("citizen2", "reception_other", "analyst"):
        http.call("GET", path, user, expect=403)
    http.call("GET", path, None, expect=401)
    http.call("GET", "/api/v1/dossiers/000.00.07.H29-260310-9999/receipt", "citizen", expect=404)
