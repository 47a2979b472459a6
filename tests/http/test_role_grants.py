"""Issue 12, C11: roles reading personal data across units (auditor, admin) need a second
administrator; an administrator never gives their own account a role that reads dossiers; every
step is on the system chain. Over the API and the command line."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from api.cli import main
from engine.context import EngineContext
from tests.grants_support import add_second_admin, system_events
from tests.support import DEMO_PASSWORD, OTHER_UNIT, UNIT, HttpApi

GRANTS = "/api/v1/admin/role-grants"
GRANT_EVENTS = ("role_grant_requested", "role_grant_approved", "role_grant_rejected")


def test_an_administrator_cannot_give_their_own_account_a_role_that_reads_dossiers(
    http: HttpApi,
) -> None:
    code = http.submit()["code"]
    for roles, unit in ((["admin", "auditor"], None), (["admin", "reception"], UNIT)):
        body: dict[str, Any] = {"roles": roles}
        if unit is not None:
            body["unit_code"] = unit
        http.call("PATCH", "/api/v1/admin/users/admin", "admin", json=body, expect=409)  # main: 200
    http.dossier(code, "admin", expect=403)
    problem = http.call(
        "POST",
        GRANTS,
        "admin",
        json={"username": "admin", "role": "auditor", "reason": "xem hồ sơ"},
        expect=409,
    )
    assert "own account" in problem["detail"]
    assert http.call("GET", "/api/v1/admin/users/admin", "admin")["roles"] == ["admin"]


def test_one_administrator_alone_cannot_make_an_auditor_or_an_administrator(
    http: HttpApi, ctx: EngineContext
) -> None:
    for role in ("auditor", "admin"):
        problem = http.call(
            "PATCH",
            "/api/v1/admin/users/analyst",
            "admin",
            json={"roles": ["analyst", role]},
            expect=422,  # on main: 200, and the analyst reads every dossier
        )
        assert [e["field"] for e in problem["errors"]] == ["roles"]
    created = http.call(
        "POST",
        "/api/v1/admin/users",
        "admin",
        json={
            "username": "new.auditor",
            "password": DEMO_PASSWORD,
            "full_name": "Kiểm tra viên mới",
            "roles": ["auditor"],
        },
        expect=201,
    )
    assert created["roles"] == []  # the role waits for a second administrator
    pending = http.call("GET", GRANTS, "admin", query={"status": "pending"})["items"]
    assert [(g["username"], g["role"], g["requested_by"]) for g in pending] == [
        ("new.auditor", "auditor", "admin")
    ]
    code = http.submit()["code"]
    http.dossier(code, "new.auditor", expect=403)


def test_a_grant_asked_by_one_administrator_takes_effect_when_another_approves(
    http: HttpApi, ctx: EngineContext
) -> None:
    add_second_admin(http, ctx)
    code = http.submit(unit=OTHER_UNIT)["code"]
    analyst_token = http.token("analyst")
    asked = http.call(
        "POST",
        GRANTS,
        "admin",
        json={"username": "analyst", "role": "auditor", "reason": "thanh tra năm 2026"},
        expect=201,
    )
    assert (asked["status"], asked["requested_by"]) == ("pending", "admin")
    http.dossier(code, "analyst", expect=403)  # nothing changes before the approval
    refused = http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin", expect=409)
    assert "second administrator" in refused["detail"]
    approved = http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin2")
    assert (approved["status"], approved["decided_by"]) == ("approved", "admin2")
    http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin2", expect=409)  # decided
    # the analyst's token from before the grant is revoked; logged in again, they read
    assert (
        http.client.get(
            f"/api/v1/dossiers/{code}", headers={"Authorization": f"Bearer {analyst_token}"}
        ).status_code
        == 401
    )
    http.forget_tokens()
    assert http.dossier(code, "analyst")["code"] == code
    assert [(t, a, p["username"], p["role"]) for t, a, p in system_events(ctx, *GRANT_EVENTS)][
        -2:
    ] == [
        ("role_grant_requested", "admin", "analyst", "auditor"),
        ("role_grant_approved", "admin2", "analyst", "auditor"),
    ]


def test_nobody_approves_a_grant_to_their_own_account_and_a_request_can_be_rejected(
    http: HttpApi, ctx: EngineContext
) -> None:
    add_second_admin(http, ctx)
    asked = http.call(
        "POST",
        GRANTS,
        "admin",
        json={"username": "admin2", "role": "auditor", "reason": "kiểm tra"},
        expect=201,
    )
    http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin2", expect=409)  # the grantee
    http.call(
        "POST",
        GRANTS,
        "admin2",
        json={"username": "admin2", "role": "auditor", "reason": "kiểm tra"},
        expect=409,
    )
    http.call(
        "POST",
        GRANTS,
        "admin",
        json={"username": "admin2", "role": "auditor", "reason": "lần nữa"},
        expect=409,  # already pending
    )
    rejected = http.call("POST", f"{GRANTS}/{asked['id']}/reject", "admin2")
    assert (rejected["status"], rejected["decided_by"]) == ("rejected", "admin2")
    http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin", expect=409)
    assert "auditor" not in http.call("GET", "/api/v1/admin/users/admin2", "admin")["roles"]
    http.call("GET", f"{GRANTS}/999999", "admin", expect=404)
    http.call("POST", f"{GRANTS}/99999999999999999999/approve", "admin", expect=404)
    problem = http.call(
        "POST",
        GRANTS,
        "admin",
        json={"username": "analyst", "role": "leader", "reason": "x"},
        expect=422,
    )
    assert [e["field"] for e in problem["errors"]] == ["role"]
    assert [t for t, _, _ in system_events(ctx, *GRANT_EVENTS)][-2:] == [
        "role_grant_requested",
        "role_grant_rejected",
    ]


def test_the_command_line_needs_two_operating_system_logins(
    http: HttpApi, ctx: EngineContext, cli_env: dict[str, str]
) -> None:
    runner = CliRunner()

    def run(login: str, *args: str) -> Any:
        env = {**cli_env, "LOGNAME": login, "USER": login}
        return runner.invoke(main, ["user", *args], env=env)

    asked = run("alice", "grant", "analyst", "auditor", "--reason", "thanh tra")
    assert asked.exit_code == 0, asked.output
    grant_id = asked.output.split()[2].rstrip(":")
    own = run("alice", "approve", grant_id)
    assert own.exit_code == 1 and "second administrator" in own.output
    listed = run("alice", "grants", "--status", "pending")
    assert f"{grant_id}  pending  auditor  analyst" in listed.output
    approved = run("bob", "approve", grant_id)
    assert approved.exit_code == 0, approved.output
    assert "approved by cli:bob" in approved.output
    added = run("alice", "add", "aud2", "--role", "auditor", "--password", DEMO_PASSWORD)
    assert added.exit_code == 0, added.output
    assert "role auditor: waiting for a second administrator" in added.output
    assert [(t, a) for t, a, _ in system_events(ctx, *GRANT_EVENTS)][-3:] == [
        ("role_grant_requested", "cli:alice"),
        ("role_grant_approved", "cli:bob"),
        ("role_grant_requested", "cli:alice"),
    ]
