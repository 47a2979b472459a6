"""Versions and migration: dossiers stay on their version; an administrator may move one to the
latest version when it is safe, keeping its appointment date and timer due times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.context import EngineContext
from engine.services import definitions
from engine.spiff import runtime, versions
from tests.bundles import procedure_bundle, replaced, upload, with_archive_step
from tests.conftest import ADMIN, START, VN
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, HttpApi

APPOINTMENT = datetime(2026, 3, 19, 17, 0, tzinfo=VN)


def set_appointment(ctx: EngineContext, code: str, when: datetime) -> None:
    """What acceptance records as the appointment date (ngày hẹn trả)."""
    with ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        dossier.due_at = when
        uow.commit()


def migrate(http: HttpApi, code: str, as_user: str = "admin", expect: int = 200) -> object:
    return http.call("POST", f"/api/v1/dossiers/{code}/migrate", as_user, expect=expect)


def test_a_dossier_on_version_1_finishes_on_version_1_after_version_2_is_deployed(
    ctx: EngineContext, http: HttpApi
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    assert upload(http, with_archive_step(procedure_bundle())).get_json()["version"] == 2

    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    finished = http.act(code, "reception", RETURN)
    assert finished["status"]["code"] == 10 and finished["current_steps"] == []
    assert http.dossier(code)["definition_version"] == 1


def test_a_migrated_dossier_keeps_its_appointment_and_runs_the_new_step(
    ctx: EngineContext, http: HttpApi
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    set_appointment(ctx, code, APPOINTMENT)
    open_task = http.task_for(code, "specialist")
    http.claim(open_task["id"], "specialist")
    definitions.deploy(ctx, ADMIN, with_archive_step(procedure_bundle()))

    result = migrate(http, code)
    assert isinstance(result, dict)
    assert (result["from_version"], result["to_version"]) == (1, 2)
    assert [c["bpmn_id"] for c in result["diff"]["added"]] == ["archive"]
    moved = result["dossier"]
    assert moved["definition_version"] == 2
    assert moved["due_at"] == APPOINTMENT.isoformat()
    assert moved["status"]["code"] == 4
    # The open step is the same task: same id, still claimed by the specialist.
    assert [(s["task_id"], s["claimed_by"]) for s in moved["current_steps"]] == [
        (open_task["id"], "specialist")
    ]

    http.complete(open_task["id"], "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    archived = http.act(code, "reception", RETURN)
    assert [s["bpmn_id"] for s in archived["current_steps"]] == ["archive"]
    assert http.act(code, "reception", {})["status"]["code"] == 10
    assert http.dossier(code)["due_at"] == APPOINTMENT.isoformat()

    with ctx.uow(write=False) as uow:
        [event] = [
            e for e in uow.events.for_chain(f"dossier:{code}") if e.type == "dossier_migrated"
        ]
        latest = uow.definitions.latest("cap_lai_the_bhyt")
        assert latest is not None
        assert event.payload["from"]["version"] == 1
        assert event.payload["to"] == {"version": 2, "hash": latest.content_hash}
        assert event.actor_username == "admin"


def test_migration_keeps_the_due_time_of_a_waiting_timer(ctx: EngineContext, http: HttpApi) -> None:
    key = "bhxh_mot_lan"
    request = {
        "full_name": "Lê Văn Cường",
        "date_of_birth": "1966-01-01",
        "gender": "nam",
        "id_number": "001066001122",
        "social_insurance_code": "0102030405",
        "address": "3 Hàng Bài, Hà Nội",
        "reason": "emigration",
        "contribution_years": 8,
        "payment_method": "post_office",
    }
    code = http.submit(procedure=key, data=request)["code"]
    http.act(code, "reception", ACCEPT)  # appraise is open; its 5-day reminder timer waits,
    before = _timers(ctx, code)  # and so does the processing's overdue warning
    assert set(before) == {"remind_appraisal", "warn_overdue"}

    bundle = replaced(
        procedure_bundle(key),
        'name="Chi trả trợ cấp"',
        'name="Chi trả trợ cấp qua tài khoản"',
        f"{key}.bpmn",
    )
    definitions.deploy(ctx, ADMIN, bundle)
    result = migrate(http, code)
    assert isinstance(result, dict)
    assert result["timers"] == before
    assert _timers(ctx, code) == before
    # Armed at acceptance, on the engine's (frozen) clock: five days later.
    assert datetime.fromisoformat(before["remind_appraisal"]) == START + timedelta(days=5)


def test_migration_is_refused_when_a_step_that_ran_has_changed(
    ctx: EngineContext, http: HttpApi
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    changed = replaced(procedure_bundle(), 'name="Kiểm tra, tiếp nhận hồ sơ"', 'name="Kiểm tra"')
    definitions.deploy(ctx, ADMIN, changed)
    problem = migrate(http, code, expect=409)
    assert isinstance(problem, dict)
    assert problem["code"] == "migration-refused"
    assert "'check_dossier' already ran and was changed" in problem["detail"]
    assert http.dossier(code)["definition_version"] == 1


@pytest.mark.parametrize(
    ("situation", "expect", "message"),
    [
        ("latest", 409, "already on the latest version"),
        ("closed", 409, "is closed"),
        ("not-admin", 403, "administrators"),
        ("unknown", 404, "no dossier"),
    ],
)
def test_migration_refusals_say_why(
    ctx: EngineContext, http: HttpApi, situation: str, expect: int, message: str
) -> None:
    code = http.submit()["code"]
    if situation == "closed":
        http.act(code, "reception", {"decision": "refuse", "reasons": "Không thuộc thẩm quyền"})
        definitions.deploy(ctx, ADMIN, with_archive_step(procedure_bundle()))
    user = "leader" if situation == "not-admin" else "admin"
    target = "000.00.07.H29-260310-9999" if situation == "unknown" else code
    problem = migrate(http, target, user, expect=expect)
    assert isinstance(problem, dict)
    assert message in problem["detail"]


def _timers(ctx: EngineContext, code: str) -> dict[str, str]:
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        workflow = runtime.load(ctx.definitions.get(definition), dossier.state)
    return versions.timer_due_times(workflow)


def test_a_migrated_dossier_replays_to_its_stored_state(ctx: EngineContext, http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    definitions.deploy(ctx, ADMIN, with_archive_step(procedure_bundle()))
    migrate(http, code)
    http.act(code, "specialist", APPRAISE)

    replayed = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replayed["problems"] == [] and replayed["mismatches"] == []
    assert replayed["matches_stored"] is True
    assert replayed["dossier"]["definition_version"] == 2
    before = http.call(
        "GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor", query={"until": 1}
    )
    assert before["dossier"]["definition_version"] == 1
