"""Issue 12, B7: a claim nobody can work is never stuck. Deactivating an officer, moving them
to another unit or taking away the task's role releases their claims (recorded: who, from whom,
why); leaders of the task's unit and administrators release or reassign any claim, over the
API and the command line. Replay and the consistency check follow every such move."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import main
from engine.audit.consistency import check_dossier
from engine.context import EngineContext
from engine.errors import PermissionDeniedError
from engine.services import audit_dossiers, logins, tasks, users
from tests.conftest import ADMIN
from tests.support import ACCEPT, OTHER_UNIT, HttpApi

AUDITOR_ACTOR = ADMIN  # replay needs the audit right (auditors and administrators)


def _claimed(http: HttpApi, as_user: str = "reception") -> tuple[str, str]:
    code = http.submit()["code"]
    task_id = http.task_for(code, as_user)["id"]
    http.claim(task_id, as_user)
    return code, task_id


def _task_events(ctx: EngineContext, code: str) -> list[tuple[str, str, dict[str, Any]]]:
    with ctx.uow(write=False) as uow:
        return [
            (e.type, e.actor_username, dict(e.payload))
            for e in uow.events.for_chain(f"dossier:{code}")
            if e.type in {"task_claimed", "task_released", "task_assigned"}
        ]


def _holder(http: HttpApi, code: str, as_user: str = "reception2") -> str | None:
    holder: str | None = http.task_for(code, as_user)["claimed_by"]
    return holder


def _replays_and_is_consistent(ctx: EngineContext, code: str) -> None:
    assert check_dossier(ctx, code).problems == []
    replayed = audit_dossiers.replay_dossier(ctx, AUDITOR_ACTOR, code)
    assert replayed.matches_stored, replayed.mismatches


@pytest.mark.parametrize(
    ("change", "body", "reason"),
    [
        ("deactivate", None, "account_deactivated"),
        ("move", {"unit_code": OTHER_UNIT}, "account_changed"),
        ("role", {"roles": ["specialist"]}, "account_changed"),
    ],
)
def test_an_officer_who_can_no_longer_work_a_claim_loses_it_and_a_colleague_finishes(
    http: HttpApi, ctx: EngineContext, change: str, body: Any, reason: str
) -> None:
    code, task_id = _claimed(http)
    if change == "deactivate":
        http.call("POST", "/api/v1/admin/users/reception/deactivate", "admin")
    else:
        http.call("PATCH", "/api/v1/admin/users/reception", "admin", json=body)
    assert _holder(http, code) is None
    assert _task_events(ctx, code)[-1] == (
        "task_released",
        "admin",
        {"task_id": task_id, "released_from": "reception", "reason": reason},
    )
    http.claim(task_id, "reception2")  # on main: 409, claimed by reception for ever
    http.complete(task_id, "reception2", ACCEPT)
    _replays_and_is_consistent(ctx, code)


def test_claims_the_officer_can_still_work_are_kept(http: HttpApi) -> None:
    code, _ = _claimed(http)
    http.call("PATCH", "/api/v1/admin/users/reception", "admin", json={"full_name": "Lê Cúc"})
    http.call(
        "PATCH", "/api/v1/admin/users/reception", "admin", json={"roles": ["reception", "leader"]}
    )
    assert _holder(http, code) == "reception"


def test_a_leader_of_the_unit_releases_anyone_s_claim(http: HttpApi, ctx: EngineContext) -> None:
    code, task_id = _claimed(http)
    for outsider in ("leader_other", "specialist", "reception_other", "auditor", "citizen"):
        http.call("POST", f"/api/v1/tasks/{task_id}/release", outsider, expect=403)
    http.call("POST", f"/api/v1/tasks/{task_id}/release", "reception2", expect=409)
    released = http.call("POST", f"/api/v1/tasks/{task_id}/release", "leader")
    assert released["claimed_by"] is None
    assert _task_events(ctx, code)[-1] == (
        "task_released",
        "leader",
        {"task_id": task_id, "released_from": "reception", "reason": "released_by_supervisor"},
    )
    before = _task_events(ctx, code)
    assert http.call("POST", f"/api/v1/tasks/{task_id}/release", "admin")["claimed_by"] is None
    assert _task_events(ctx, code) == before  # nobody held it: nothing happened
    _replays_and_is_consistent(ctx, code)


def test_leaders_and_administrators_reassign_to_an_officer_of_the_unit_and_role(
    http: HttpApi, ctx: EngineContext
) -> None:
    code, task_id = _claimed(http)
    path = f"/api/v1/tasks/{task_id}/assign"
    for outsider in ("leader_other", "specialist", "reception", "reception2", "auditor"):
        http.call("POST", path, outsider, json={"officer": "reception2"}, expect=403)
    http.call("POST", "/api/v1/admin/users/reception2/deactivate", "admin")
    for unable in ("specialist", "reception_other", "reception2", "nobody", "leader"):
        problem = http.call("POST", path, "leader", json={"officer": unable}, expect=422)
        assert [e["field"] for e in problem["errors"]] == ["officer"], unable
    http.call("POST", "/api/v1/admin/users/reception2/activate", "admin")
    http.forget_tokens()
    assert http.call("POST", path, "leader", json={"officer": "reception2"})["claimed_by"] == (
        "reception2"
    )
    assert _task_events(ctx, code)[-1] == (
        "task_assigned",
        "leader",
        {
            "task_id": task_id,
            "officer": "reception2",
            "officer_id": _task_events(ctx, code)[-1][2]["officer_id"],
            "previous": "reception",
            "reason": "assigned_by_supervisor",
        },
    )
    http.complete(task_id, "reception", ACCEPT, expect=409)  # no longer theirs
    http.call("POST", path, "admin", json={"officer": "reception"})
    http.call("POST", path, "admin", json={"officer": "reception"})  # already theirs: no event
    assert [t for t, _, _ in _task_events(ctx, code)][-2:] == ["task_assigned", "task_assigned"]
    http.complete(task_id, "reception", ACCEPT)
    http.call("POST", path, "admin", json={"officer": "reception"}, expect=409)  # completed
    _replays_and_is_consistent(ctx, code)


def test_the_command_line_releases_and_assigns(
    http: HttpApi, ctx: EngineContext, cli_env: dict[str, str]
) -> None:
    code, task_id = _claimed(http)
    runner = CliRunner()
    released = runner.invoke(main, ["task", "release", task_id], env=cli_env)
    assert released.exit_code == 0, released.output
    assert "held by nobody" in released.output
    assigned = runner.invoke(main, ["task", "assign", task_id, "reception2"], env=cli_env)
    assert assigned.exit_code == 0, assigned.output
    assert "held by reception2" in assigned.output
    refused = runner.invoke(main, ["task", "assign", task_id, "specialist"], env=cli_env)
    assert refused.exit_code == 1
    assert "officer: specialist is not an active officer of unit" in refused.output
    unknown = runner.invoke(main, ["task", "release", "no-such-task"], env=cli_env)
    assert unknown.exit_code == 1 and "no task no-such-task" in unknown.output
    assert [(t, a.startswith("cli:")) for t, a, _ in _task_events(ctx, code)[-2:]] == [
        ("task_released", True),
        ("task_assigned", True),
    ]
    _replays_and_is_consistent(ctx, code)


def test_a_claim_in_flight_when_its_officer_is_deactivated_is_refused(
    http: HttpApi, ctx: EngineContext
) -> None:
    """The request was authenticated just before the deactivation committed: its claim would
    land after the deactivation swept the officer's claims, and stay for ever."""
    code = http.submit()["code"]
    task_id = http.task_for(code, "reception")["id"]
    in_flight = logins.authenticate(ctx, http.token("reception"))
    users.deactivate_user(ctx, ADMIN, "reception")
    with pytest.raises(PermissionDeniedError):
        tasks.claim_task(ctx, in_flight, task_id)  # on main: claimed, by nobody who can work
    assert _holder(http, code) is None
