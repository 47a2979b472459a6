"""Administrators manage accounts and units over HTTP; every change is a system-chain event and
takes effect at the user's next request."""

from __future__ import annotations

from typing import Any

from engine.context import EngineContext
from tests.support import DEMO_PASSWORD, OTHER_UNIT, UNIT, HttpApi


def _system_events(ctx: EngineContext) -> list[tuple[str, dict[str, Any]]]:
    """The administrators' changes on the system chain (the logins between them left out)."""
    with ctx.uow(write=False) as uow:
        return [
            (e.type, dict(e.payload))
            for e in uow.events.for_chain("system")
            if e.type != "login_succeeded"
        ]


def _login(http: HttpApi, username: str, password: str = DEMO_PASSWORD) -> int:
    response = http.client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    return response.status_code


def test_create_list_and_read_users(http: HttpApi, ctx: EngineContext) -> None:
    created = http.call(
        "POST",
        "/api/v1/admin/users",
        "admin",
        expect=201,
        json={
            "username": "chuyenvien.hk",
            "password": "mat-khau-rat-dai",
            "full_name": "Ngô Thị Lan",
            "roles": ["specialist"],
            "unit_code": OTHER_UNIT,
        },
    )
    assert (created["username"], created["roles"], created["unit_code"]) == (
        "chuyenvien.hk",
        ["specialist"],
        OTHER_UNIT,
    )
    assert "password" not in created and created["active"] is True
    assert _login(http, "chuyenvien.hk", "mat-khau-rat-dai") == 200
    assert _system_events(ctx)[-1][0] == "user_created"

    officers = http.call("GET", "/api/v1/admin/users", "admin", query={"unit": OTHER_UNIT})
    assert [u["username"] for u in officers["items"]] == [
        "chuyenvien.hk",
        "leader_other",
        "reception_other",
        "specialist_other",
    ]
    leaders = http.call("GET", "/api/v1/admin/users", "admin", query={"role": "leader"})
    assert [u["username"] for u in leaders["items"]] == ["leader", "leader_other"]
    page = http.call(
        "GET", "/api/v1/admin/users", "admin", query={"username": "citizen", "page_size": 1}
    )
    assert page["total"] == 2 and page["items"][0]["full_name"] == "C******"  # masked
    assert http.call("GET", "/api/v1/admin/users/citizen", "admin")["full_name"] == "Citizen"
    http.call("GET", "/api/v1/admin/users/nobody", "admin", expect=404)


def test_invalid_accounts_are_refused_per_field(http: HttpApi) -> None:
    def create(expect: int, **fields: Any) -> Any:
        body = {
            "username": "someone",
            "password": "long-enough-pw",
            "full_name": "Someone",
            "roles": ["reception"],
            "unit_code": UNIT,
            **fields,
        }
        return http.call("POST", "/api/v1/admin/users", "admin", json=body, expect=expect)

    assert [e["field"] for e in create(422, unit_code=None)["errors"]] == ["unit"]
    assert [e["field"] for e in create(422, unit_code="999.99.99.X99")["errors"]] == ["unit"]
    assert [e["field"] for e in create(422, roles=["citizen", "leader"])["errors"]] == ["roles"]
    assert [e["field"] for e in create(422, roles=["root"])["errors"]] == ["roles.0"]
    assert [e["field"] for e in create(422, password="short")["errors"]] == ["password"]
    assert [e["field"] for e in create(422, username="a b")["errors"]] == ["username"]
    assert create(409, username="reception")["code"] == "duplicate"


def test_changing_roles_and_unit_takes_effect_at_the_next_request(
    http: HttpApi, ctx: EngineContext
) -> None:
    code = http.submit()["code"]
    assert http.dossier(code, "specialist")["code"] == code
    moved = http.call(
        "PATCH",
        "/api/v1/admin/users/specialist",
        "admin",
        json={"unit_code": OTHER_UNIT, "roles": ["specialist", "leader"]},
    )
    assert (moved["unit_code"], moved["roles"]) == (OTHER_UNIT, ["leader", "specialist"])
    http.dossier(code, "specialist", expect=401)  # the token issued before is revoked
    http.forget_tokens()
    http.dossier(code, "specialist", expect=403)  # logged in again: the new unit
    assert _system_events(ctx)[-1] == (
        "user_updated",
        {
            "username": "specialist",
            "changed": ["roles", "unit_code"],
            "roles": ["leader", "specialist"],
            "unit": OTHER_UNIT,
            "released_tasks": [],
        },
    )
    problem = http.call(
        "PATCH", "/api/v1/admin/users/specialist", "admin", json={"unit_code": None}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["unit"]
    http.call(
        "PATCH",
        "/api/v1/admin/users/specialist",
        "admin",
        json={"password": "a-brand-new-secret"},
    )
    assert _login(http, "specialist") == 401
    assert _login(http, "specialist", "a-brand-new-secret") == 200
    assert "a-brand-new-secret" not in str(_system_events(ctx))


def test_deactivate_and_activate(http: HttpApi, ctx: EngineContext) -> None:
    token = http.token("leader")
    gone = http.call("POST", "/api/v1/admin/users/leader/deactivate", "admin")
    assert gone["active"] is False and gone["deactivated_at"] == "2026-03-10T09:00:00+07:00"
    response = http.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    back = http.call("POST", "/api/v1/admin/users/leader/activate", "admin")
    assert back["active"] is True and back["deactivated_at"] is None
    assert _login(http, "leader") == 200
    assert [kind for kind, _ in _system_events(ctx)[-2:]] == ["user_deactivated", "user_activated"]


def test_administrators_cannot_lock_themselves_out(http: HttpApi) -> None:
    http.call("POST", "/api/v1/admin/users/admin/deactivate", "admin", expect=409)
    problem = http.call(
        "PATCH", "/api/v1/admin/users/admin", "admin", json={"roles": ["auditor"]}, expect=409
    )
    assert "own admin role" in problem["detail"]


def test_units_are_listed_created_and_renamed(http: HttpApi, ctx: EngineContext) -> None:
    created = http.call(
        "POST",
        "/api/v1/admin/units",
        "admin",
        expect=201,
        json={"code": "000.00.09.H29", "name": "BHXH quận Tây Hồ"},
    )
    assert created["code"] == "000.00.09.H29" and created["active"] is True
    listed = http.call("GET", "/api/v1/admin/units", "admin")
    assert [u["code"] for u in listed["items"]] == [UNIT, OTHER_UNIT, "000.00.09.H29"]
    renamed = http.call(
        "PATCH", f"/api/v1/admin/units/{UNIT}", "admin", json={"name": "BHXH Ba Đình"}
    )
    assert renamed["name"] == "BHXH Ba Đình"
    assert http.call("GET", f"/api/v1/admin/units/{UNIT}", "admin")["name"] == "BHXH Ba Đình"
    assert _system_events(ctx)[-1][1] == {
        "code": UNIT,
        "old_name": "BHXH quận Ba Đình",
        "name": "BHXH Ba Đình",
    }
    bad = http.call(
        "POST", "/api/v1/admin/units", "admin", json={"code": "a/b", "name": "x"}, expect=422
    )
    assert [e["field"] for e in bad["errors"]] == ["code"]
    http.call("POST", "/api/v1/admin/units", "admin", json={"code": UNIT, "name": "x"}, expect=409)
    http.call("GET", "/api/v1/admin/units/nope", "admin", expect=404)


def test_only_officer_accounts_have_a_unit(http: HttpApi) -> None:
    for n, roles in enumerate((["citizen"], ["auditor"], ["analyst"], ["admin"])):
        body = {
            "username": f"someone{n}",
            "password": "long-enough-pw",
            "full_name": "Someone",
            "roles": roles,
            "unit_code": UNIT,
        }
        problem = http.call("POST", "/api/v1/admin/users", "admin", json=body, expect=422)
        assert [e["field"] for e in problem["errors"]] == ["unit"], roles
        assert "officers belong to a unit" in problem["errors"][0]["message"]
        http.call(
            "POST", "/api/v1/admin/users", "admin", json={**body, "unit_code": None}, expect=201
        )
    # moving a citizen into a unit is refused the same way
    problem = http.call(
        "PATCH", "/api/v1/admin/users/citizen", "admin", json={"unit_code": UNIT}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["unit"]
