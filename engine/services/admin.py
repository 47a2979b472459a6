"""Administrators manage accounts and units: list, read, change, (re)activate, unlock.

Creating units and users and deactivating users live in `engine.services.accounts` (shared
with the CLI). Nothing here reads dossiers: administrators manage people, not cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine import events
from engine.authz import PERSONAL_DATA_ROLES, SECOND_ADMIN_ROLES, Actor, Role, ensure_admin
from engine.context import EngineContext
from engine.errors import FieldError, InvalidStateError, NotFoundError, ValidationFailedError
from engine.results import Page, UnitDetail, UserDetail
from engine.services.accounts import (
    MAX_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    PASSWORD_RESET,
    REACTIVATION,
    role_errors,
    withdraw_second_admin_roles,
)
from engine.services.claims import ACCOUNT_CHANGED, release_unworkable_claims
from engine.services.grants import is_own_account
from engine.transactions import conflicts_as_errors
from engine.views import mask_name
from storage.models import Unit, User
from storage.repositories import UserFilter
from storage.uow import UnitOfWork

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class UserChanges:
    """Fields to change; None leaves a field as it is (`unit_code` is set when `set_unit`)."""

    full_name: str | None = None
    roles: tuple[str, ...] | None = None
    unit_code: str | None = None
    set_unit: bool = False
    password: str | None = None


def list_users(
    ctx: EngineContext,
    actor: Actor,
    *,
    unit_code: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    username_prefix: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[UserDetail]:
    """Accounts, by username; citizens' names are masked in the list (SEC-5)."""
    ensure_admin(actor)
    flt = UserFilter(unit_code, role, active, username_prefix)
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    with ctx.uow(write=False) as uow:
        rows, total = uow.users.search(flt, (page - 1) * page_size, page_size)
        now = ctx.clock.now()
        items = [_detail(uow, user, now, masked=Role.CITIZEN in user.roles) for user in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def get_user(ctx: EngineContext, actor: Actor, username: str) -> UserDetail:
    ensure_admin(actor)
    with ctx.uow(write=False) as uow:
        return _detail(uow, _user(uow, username), ctx.clock.now())


def update_user(
    ctx: EngineContext, actor: Actor, username: str, changes: UserChanges
) -> UserDetail:
    """Change name, roles, unit or password; effective at the user's next request.

    An administrator who sets another account's password could log in as it: the account
    loses `auditor` and `admin` until a second administrator approves them back (pending
    grants filed in the administrator's name, see `withdraw_second_admin_roles`).

    Raises:
        ValidationFailedError: the account would be invalid (e.g. an officer without a unit).
        InvalidStateError: an administrator removing their own admin role.
    """
    ensure_admin(actor)
    errors = []
    if changes.password is not None and len(changes.password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
    if changes.full_name is not None and not 0 < len(changes.full_name.strip()) <= MAX_NAME_LENGTH:
        errors.append(FieldError("full_name", f"required, at most {MAX_NAME_LENGTH} characters"))
    password_hash = (
        ctx.passwords.hash(changes.password) if changes.password and not errors else None
    )
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        user = _user(uow, username)
        roles = tuple(changes.roles) if changes.roles is not None else tuple(user.roles)
        unit_code = changes.unit_code if changes.set_unit else user.unit_code
        errors += role_errors(roles, unit_code)
        if unit_code is not None and uow.units.get(unit_code) is None:
            errors.append(FieldError("unit_code", f"no unit {unit_code}"))
        if errors:
            raise ValidationFailedError("the user is not valid", errors)
        if user.id == actor.user_id and Role.ADMIN not in roles:
            raise InvalidStateError("administrators cannot remove their own admin role")
        added = set(roles) - set(user.roles)
        if is_own_account(actor, user) and added & PERSONAL_DATA_ROLES:
            raise InvalidStateError(
                "administrators cannot give their own account a role that reads dossiers: "
                + ", ".join(sorted(added & PERSONAL_DATA_ROLES))
            )
        if added & SECOND_ADMIN_ROLES:
            raise ValidationFailedError(
                "the user is not valid",
                [
                    FieldError(
                        "roles",
                        f"{', '.join(sorted(added & SECOND_ADMIN_ROLES))}: ask for a role grant "
                        "(POST /api/v1/admin/role-grants) that a second administrator approves",
                    )
                ],
            )
        changed = []
        if changes.full_name is not None and changes.full_name.strip() != user.full_name:
            user.full_name = changes.full_name.strip()
            changed.append("full_name")
        if sorted(set(roles)) != sorted(user.roles):
            user.roles = sorted(set(roles))
            changed.append("roles")
        if unit_code != user.unit_code:
            user.unit_code = unit_code
            changed.append("unit_code")
        withdrawn: list[str] = []
        if password_hash is not None:
            user.password_hash = password_hash
            user.password_set_by = actor.username
            changed.append("password")
            if not is_own_account(actor, user):
                withdrawn = withdraw_second_admin_roles(uow, actor, user, PASSWORD_RESET, now)
                if withdrawn and "roles" not in changed:
                    changed.append("roles")
        released: list[str] = []
        if set(changed) & {"roles", "unit_code", "password"}:
            # Tokens issued before stop working for good; claims the account can no longer
            # work (another unit, a role removed) go back to the task's unit.
            uow.users.revoke_tokens(user)
            released = release_unworkable_claims(uow, user, actor, now, ACCOUNT_CHANGED)
        if changed:
            events.record_system(
                uow,
                "user_updated",
                actor=actor,
                now=now,
                payload={
                    "username": username,
                    "changed": changed,
                    "roles": user.roles,
                    "unit": user.unit_code,
                    "released_tasks": released,
                    **({"withdrawn_roles": withdrawn} if withdrawn else {}),
                },
            )
        uow.flush()
        detail = _detail(uow, user, now)
        uow.commit()
    return detail


def activate_user(ctx: EngineContext, actor: Actor, username: str) -> UserDetail:
    """Let a deactivated account log in again (never a demo account in production). An
    `auditor` or `admin` comes back without those roles until a second administrator approves
    them (the one who reactivates may know the old password, e.g. having set it)."""
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        user = _user(uow, username)
        if user.is_demo and ctx.settings.is_production:
            raise InvalidStateError("demo accounts cannot be activated in production")
        if not user.active:
            user.active = True
            user.deleted_at = None
            withdrawn = withdraw_second_admin_roles(uow, actor, user, REACTIVATION, now)
            events.record_system(
                uow,
                "user_activated",
                actor=actor,
                now=now,
                payload={
                    "username": username,
                    **({"withdrawn_roles": withdrawn} if withdrawn else {}),
                },
            )
        detail = _detail(uow, user, now)
        uow.commit()
    return detail


def unlock_user(ctx: EngineContext, actor: Actor, username: str) -> UserDetail:
    """Lift a login lock and forget the account's failed logins."""
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        user = _user(uow, username)
        if uow.logins.clear(username):
            events.record_system(
                uow,
                "login_unlocked",
                actor=actor,
                now=now,
                payload={"username": username},
            )
        detail = _detail(uow, user, now)
        uow.commit()
    return detail


def list_units(ctx: EngineContext, actor: Actor, page: int, page_size: int) -> Page[UnitDetail]:
    ensure_admin(actor)
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    with ctx.uow(write=False) as uow:
        rows, total = uow.units.page((page - 1) * page_size, page_size)
        items = [_unit_detail(unit) for unit in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def get_unit(ctx: EngineContext, actor: Actor, code: str) -> UnitDetail:
    ensure_admin(actor)
    with ctx.uow(write=False) as uow:
        return _unit_detail(_unit(uow, code))


def rename_unit(ctx: EngineContext, actor: Actor, code: str, name: str) -> UnitDetail:
    """A unit's code never changes (it is in every dossier code); its name may."""
    ensure_admin(actor)
    if not 0 < len(name.strip()) <= MAX_NAME_LENGTH:
        raise ValidationFailedError(
            "the unit is not valid",
            [FieldError("name", f"a unit needs a name of at most {MAX_NAME_LENGTH}")],
        )
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        unit = _unit(uow, code)
        if unit.name != name.strip():
            events.record_system(
                uow,
                "unit_renamed",
                actor=actor,
                now=now,
                payload={"code": code, "old_name": unit.name, "name": name.strip()},
            )
            unit.name = name.strip()
        detail = _unit_detail(unit)
        uow.commit()
    return detail


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.users.by_username(username)
    if user is None:
        raise NotFoundError(f"no user {username}")
    return user


def _unit(uow: UnitOfWork, code: str) -> Unit:
    unit = uow.units.get(code)
    if unit is None:
        raise NotFoundError(f"no unit {code}")
    return unit


def _detail(uow: UnitOfWork, user: User, now: datetime, *, masked: bool = False) -> UserDetail:
    throttle = uow.logins.get(user.username)
    locked_until = throttle.locked_until if throttle is not None else None
    return UserDetail(
        id=user.id,
        username=user.username,
        full_name=mask_name(user.full_name) if masked else user.full_name,
        roles=list(user.roles),
        unit_code=user.unit_code,
        active=user.active,
        is_demo=user.is_demo,
        created_at=user.created_at,
        deactivated_at=user.deleted_at,
        locked_until=locked_until if locked_until is not None and locked_until > now else None,
    )


def _unit_detail(unit: Unit) -> UnitDetail:
    return UnitDetail(
        code=unit.code, name=unit.name, active=unit.active, created_at=unit.created_at
    )
