"""Helpers of the two-administrator tests (role grants, privileged accounts): a second
administrator account and the system chain's events."""

from __future__ import annotations

from typing import Any

from engine.context import EngineContext
from engine.services import grants
from tests.conftest import ADMIN, SECOND_ADMIN
from tests.support import DEMO_PASSWORD, HttpApi


def system_events(ctx: EngineContext, *types: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, actor, payload) of the system chain's events of these types, oldest first."""
    with ctx.uow(write=False) as uow:
        return [
            (e.type, e.actor_username, dict(e.payload))
            for e in uow.events.for_chain("system")
            if e.type in types
        ]


def add_second_admin(http: HttpApi, ctx: EngineContext, username: str = "admin2") -> None:
    """Another administrator account, made by `ADMIN` and approved by `SECOND_ADMIN`."""
    http.call(
        "POST",
        "/api/v1/admin/users",
        "admin",
        json={
            "username": username,
            "password": DEMO_PASSWORD,
            "full_name": "Quản trị 2",
            "roles": ["admin"],
        },
        expect=201,
    )
    pending = grants.list_grants(ctx, ADMIN, "pending", 1, 100).items
    grants.approve_grant(ctx, SECOND_ADMIN, next(g.id for g in pending if g.username == username))
