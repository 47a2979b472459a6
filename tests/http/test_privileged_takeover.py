"""Issue 12, C11: an administrator cannot take over an auditor's or another administrator's
account: setting its password (API or command line) or reactivating it withdraws `auditor` and
`admin` until an administrator other than the one who acted (and other than whoever set the
account's password) approves them back; every step is on the system chain."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from api.cli import main
from engine.context import EngineContext
from tests.grants_support import add_second_admin, system_events
from tests.support import DEMO_PASSWORD, OTHER_UNIT, HttpApi

GRANTS = "/api/v1/admin/role-grants"
NEW_PASSWORD = "chosen-by-the-admin"


def _login(http: HttpApi, username: str, password: str) -> str:
    response = http.client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["access_token"])


def _status(http: HttpApi, token: str, path: str) -> int:
    return http.client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code


def _pending(http: HttpApi, username: str) -> list[Any]:
    items = http.call("GET", GRANTS, "admin2", query={"status": "pending"})["items"]
    return [g for g in items if g["username"] == username]


def test_resetting_an_auditors_password_does_not_let_the_administrator_read_dossiers(
    http: HttpApi, ctx: EngineContext
) -> None:
    add_second_admin(http, ctx)
    code = http.submit(unit=OTHER_UNIT)["code"]
    old_token = http.token("auditor")
    assert _status(http, old_token, f"/api/v1/dossiers/{code}") == 200
    updated = http.call(
        "PATCH", "/api/v1/admin/users/auditor", "admin", json={"password": NEW_PASSWORD}
    )
    assert updated["roles"] == []  # on integ: ["auditor"]
    assert _status(http, old_token, f"/api/v1/dossiers/{code}") == 401
    taken_over = _login(http, "auditor", NEW_PASSWORD)
    assert _status(http, taken_over, f"/api/v1/dossiers/{code}") == 403  # on integ: 200
    [grant] = _pending(http, "auditor")
    assert (grant["role"], grant["requested_by"]) == ("auditor", "admin")
    assert "password reset by admin" in grant["reason"]
    refused = http.call("POST", f"{GRANTS}/{grant['id']}/approve", "admin", expect=409)
    assert "second administrator" in refused["detail"]
    http.call("POST", f"{GRANTS}/{grant['id']}/approve", "admin2")
    assert _status(http, _login(http, "auditor", NEW_PASSWORD), f"/api/v1/dossiers/{code}") == 200
    [updated_event] = [
        p for _, a, p in system_events(ctx, "user_updated") if p["username"] == "auditor"
    ]
    assert updated_event["changed"] == ["password", "roles"]
    assert updated_event["withdrawn_roles"] == ["auditor"]
    assert [
        (t, a, p["role"], p.get("after"), p.get("by"))
        for t, a, p in system_events(ctx, "role_grant_requested", "role_grant_approved")
        if p["username"] == "auditor"
    ][-2:] == [
        ("role_grant_requested", "admin", "auditor", "password_reset", "admin"),
        ("role_grant_approved", "admin2", "auditor", None, None),
    ]


def test_resetting_another_administrators_password_withdraws_their_admin_role(
    http: HttpApi, ctx: EngineContext
) -> None:
    add_second_admin(http, ctx)
    add_second_admin(http, ctx, "admin3")
    http.call("PATCH", "/api/v1/admin/users/admin3", "admin", json={"password": NEW_PASSWORD})
    taken_over = _login(http, "admin3", NEW_PASSWORD)
    assert _status(http, taken_over, "/api/v1/admin/users") == 403  # on integ: 200
    assert _status(http, taken_over, f"{GRANTS}?status=pending") == 403
    [grant] = _pending(http, "admin3")
    assert grant["role"] == "admin"
    # an administrator changing their own password keeps their roles
    own = http.call(
        "PATCH", "/api/v1/admin/users/admin2", "admin2", json={"password": NEW_PASSWORD}
    )
    assert own["roles"] == ["admin"]


def test_whoever_set_an_accounts_password_never_approves_its_grant(
    http: HttpApi, ctx: EngineContext
) -> None:
    """Admin2 asks, honestly, for the analyst to become an auditor; admin, who has just set the
    analyst's password (and so could log in as them), is not the second administrator."""
    add_second_admin(http, ctx)
    add_second_admin(http, ctx, "admin3")
    http.call("PATCH", "/api/v1/admin/users/analyst", "admin", json={"password": NEW_PASSWORD})
    asked = http.call(
        "POST",
        GRANTS,
        "admin2",
        json={"username": "analyst", "role": "auditor", "reason": "thanh tra"},
        expect=201,
    )
    refused = http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin", expect=409)
    assert "you set analyst's password" in refused["detail"]  # on integ: 200
    assert http.call("POST", f"{GRANTS}/{asked['id']}/approve", "admin3")["status"] == "approved"


def test_reactivating_a_deactivated_auditor_needs_a_second_administrator(
    http: HttpApi, ctx: EngineContext
) -> None:
    add_second_admin(http, ctx)
    code = http.submit(unit=OTHER_UNIT)["code"]
    http.call("POST", "/api/v1/admin/users/auditor/deactivate", "admin")
    activated = http.call("POST", "/api/v1/admin/users/auditor/activate", "admin")
    assert (activated["active"], activated["roles"]) == (True, [])  # on integ: ["auditor"]
    back = _login(http, "auditor", DEMO_PASSWORD)
    assert _status(http, back, f"/api/v1/dossiers/{code}") == 403
    [grant] = _pending(http, "auditor")
    assert "reactivation by admin" in grant["reason"]
    http.call("POST", f"{GRANTS}/{grant['id']}/approve", "admin", expect=409)
    http.call("POST", f"{GRANTS}/{grant['id']}/approve", "admin2")
    assert _status(http, _login(http, "auditor", DEMO_PASSWORD), f"/api/v1/dossiers/{code}") == 200
    [event] = [p for _, _, p in system_events(ctx, "user_activated") if p["username"] == "auditor"]
    assert event["withdrawn_roles"] == ["auditor"]


def test_the_command_line_password_reset_withdraws_the_auditor_role(
    http: HttpApi, ctx: EngineContext, cli_env: dict[str, str]
) -> None:
    runner = CliRunner()

    def run(login: str, *args: str) -> Any:
        env = {**cli_env, "LOGNAME": login, "USER": login}
        return runner.invoke(main, ["user", *args], env=env)

    code = http.submit(unit=OTHER_UNIT)["code"]
    reset = run("alice", "password", "auditor", "--password", NEW_PASSWORD)
    assert reset.exit_code == 0, reset.output  # on integ: no such command
    assert "role auditor withdrawn: waiting for a second administrator" in reset.output
    assert _status(http, _login(http, "auditor", NEW_PASSWORD), f"/api/v1/dossiers/{code}") == 403
    listed = run("alice", "grants", "--status", "pending")
    grant_id = next(line.split()[0] for line in listed.output.splitlines() if " auditor " in line)
    assert "password reset by cli:alice" in listed.output
    own = run("alice", "approve", grant_id)
    assert own.exit_code == 1 and "second administrator" in own.output
    assert run("bob", "approve", grant_id).exit_code == 0
    assert _status(http, _login(http, "auditor", NEW_PASSWORD), f"/api/v1/dossiers/{code}") == 200
    short = run("alice", "password", "auditor", "--password", "short")
    assert short.exit_code == 1 and "password: at least 10 characters" in short.output
    missing = run("alice", "password", "nobody", "--password", NEW_PASSWORD)
    assert missing.exit_code == 1 and "no user nobody" in missing.output
