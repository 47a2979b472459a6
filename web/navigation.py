"""The navigation of the two layouts, in one place: a page that exists adds its entry here, so
no layout links to a page that does not exist yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request, url_for

from engine.security.authz import Actor, Role
from web.auth.session import current_actor, is_workspace_user
from web.i18n import _


def _anyone(actor: Actor | None) -> bool:
    return True


def _citizen(actor: Actor | None) -> bool:
    return actor is not None and actor.has(Role.CITIZEN)


def _staff(actor: Actor | None) -> bool:
    return actor is not None and is_workspace_user(actor)


def _officer(actor: Actor | None) -> bool:
    return actor is not None and actor.is_officer and actor.unit_code is not None


def _reception(actor: Actor | None) -> bool:
    return actor is not None and actor.has(Role.RECEPTION)


def _leader(actor: Actor | None) -> bool:
    return actor is not None and actor.has(Role.LEADER)


def _definition_reader(actor: Actor | None) -> bool:
    return actor is not None and actor.has(Role.ANALYST, Role.ADMIN, Role.AUDITOR)


def _auditor(actor: Actor | None) -> bool:
    return actor is not None and actor.has(Role.AUDITOR, Role.ADMIN)


def _admin(actor: Actor | None) -> bool:
    return actor is not None and actor.has(Role.ADMIN)


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: str
    shown_to: Callable[[Actor | None], bool] = _anyone
    #: A path prefix whose pages are all this item's (marked current there too), if any.
    section: str | None = None

    def is_current(self) -> bool:
        if request.endpoint == self.endpoint:
            return True
        return self.section is not None and request.path.startswith(self.section)


@dataclass(frozen=True, slots=True)
class NavLink:
    url: str
    label: str
    current: bool


PORTAL_NAV: list[NavItem] = [
    NavItem("portal.home", "Thủ tục hành chính"),
    NavItem("portal.lookup", "Tra cứu hồ sơ"),
    NavItem("portal.statistics", "Thống kê"),
    NavItem("portal.my_dossiers", "Hồ sơ của tôi", _citizen),
    NavItem("workspace.home", "Trang làm việc", _staff),
]
WORKSPACE_NAV: list[NavItem] = [
    NavItem("workspace.home", "Trang làm việc", _staff),
    NavItem("workspace.inbox", "Hộp công việc", _officer),
    NavItem("workspace.counter_home", "Tiếp nhận một cửa", _reception, "/can-bo/mot-cua"),
    NavItem("workspace.leader_dashboard", "Điều hành đơn vị", _leader, "/can-bo/lanh-dao"),
    NavItem("workspace.analyst.procedures", "Quy trình", _definition_reader),
    NavItem("workspace.audit_search", "Kiểm tra", _auditor),
    NavItem("workspace.admin_users", "Quản trị", _admin),
    NavItem("portal.home", "Cổng Dịch vụ công"),
]
NAVIGATION = {"portal": PORTAL_NAV, "workspace": WORKSPACE_NAV}


def nav_links(site: str) -> list[NavLink]:
    actor = current_actor()
    return [
        NavLink(url_for(item.endpoint), _(item.label), item.is_current())
        for item in NAVIGATION[site]
        if item.shown_to(actor)
    ]


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["current_actor"] = current_actor
