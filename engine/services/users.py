"""User accounts: create, list, read, change, deactivate, (re)activate and unlock. Every
function answers `UserDetail`, the account as administrators see it (with its login lock).

Users are never deleted (events name them). Roles reading personal data across units
(`SECOND_ADMIN_ROLES`) go through role grants a second administrator approves
(`engine.services.grants`). Nothing here reads dossiers: administrators manage people, not cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from engine import events
from engine.context import EngineContext
from engine.errors import (
    DuplicateError,
    FieldError,
    InvalidStateError,
    NotFoundError,
    ValidationFailedError,
)
from engine.event_types import EventType
from engine.results import Page, UserDetail
from engine.security.authz import PERSONAL_DATA_ROLES, SECOND_ADMIN_ROLES, Actor, Role, ensure_admin
from engine.services.account_rules import (
    MAX_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
    page_window,
    role_errors,
)
from engine.services.claims import ACCOUNT_CHANGED, ACCOUNT_DEACTIVATED, release_unworkable_claims
from engine.services.grants import (
    PASSWORD_RESET,
    REACTIVATION,
    ask_for_role,
    is_own_account,
    withdraw_second_admin_roles,
)
from engine.system_event_types import (
    LoginUnlocked,
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserUpdated,
)
from engine.transactions import conflicts_as_errors
from engine.views import mask_name
from storage.account_models import User
from storage.accounts import UserFilter
from storage.errors import DuplicateRecordError
from storage.uow import UnitOfWork

NEW_ACCOUNT_REASON = "asked for when the account was created"


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    password: str
    full_name: str
    roles: tuple[str, ...]
    unit_code: str | None
    is_demo: bool = False


@dataclass(frozen=True, slots=True)
class UserChanges:
    """Fields to change; None leaves a field as it is (`unit_code` is set when `set_unit`)."""

    full_name: str | None = None
    roles: tuple[str, ...] | None = None
    unit_code: str | None = None
    set_unit: bool = False
    password: str | None = None


def create_user(ctx: EngineContext, actor: Actor, new: NewUser) -> UserDetail:
    """A new account. Roles reading personal data across units (`SECOND_ADMIN_ROLES`) are not
    given yet: each becomes a pending role grant request that a second administrator approves
    (`engine.services.grants`); the account holds its other roles, possibly none, meanwhile."""
    ensure_admin(actor)
    errors = _user_errors(new)
    if errors:
        raise ValidationFailedError("the user is not valid", errors)
    password_hash = ctx.passwords.hash(new.password)
    now = ctx.clock.now()
    try:
        with conflicts_as_errors(), ctx.uow() as uow:
            if new.unit_code is not None and uow.units.get(new.unit_code) is None:
                raise ValidationFailedError(
                    "unknown unit", [FieldError("unit", f"no unit {new.unit_code}")]
                )
            if uow.users.by_username(new.username) is not None:
                raise DuplicateError(f"user {new.username} already exists")
            withheld = _withheld_roles(uow, new)
            user = User(
                username=new.username,
                password_hash=password_hash,
                full_name=new.full_name,
                roles=sorted(set(new.roles) - set(withheld)),
                unit_code=new.unit_code,
                active=True,
                is_demo=new.is_demo,
                created_at=now,
                credentials_epoch=0,
                password_set_by=actor.username,
            )
            uow.users.add(user)
            events.record_system(
                uow,
                EventType.USER_CREATED,
                actor=actor,
                now=now,
                payload=UserCreated(
                    username=user.username,
                    roles=user.roles,
                    unit=user.unit_code,
                    demo=user.is_demo,
                ),
            )
            for role in withheld:
                ask_for_role(uow, actor, user, role, NEW_ACCOUNT_REASON, now)
            uow.flush()
            detail = _detail(uow, user, now)
            uow.commit()
            return detail
    except DuplicateRecordError as exc:
        raise DuplicateError(f"user {new.username} already exists") from exc


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
    page, page_size = page_window(page, page_size)
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
                EventType.USER_UPDATED,
                actor=actor,
                now=now,
                payload=_with_withdrawn(
                    UserUpdated(
                        username=username,
                        changed=changed,
                        roles=user.roles,
                        unit=user.unit_code,
                        released_tasks=released,
                    ),
                    withdrawn,
                ),
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
                EventType.USER_ACTIVATED,
                actor=actor,
                now=now,
                payload=_with_withdrawn(UserActivated(username=username), withdrawn),
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
                EventType.LOGIN_UNLOCKED,
                actor=actor,
                now=now,
                payload=LoginUnlocked(username=username),
            )
        detail = _detail(uow, user, now)
        uow.commit()
    return detail


def deactivate_user(ctx: EngineContext, actor: Actor, username: str) -> UserDetail:
    """Users are never deleted (events name them); a deactivated user's tokens stop working for
    good (re-activation does not revive them) and their claimed tasks go back to their units."""
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFoundError(f"no user {username}")
        if user.id == actor.user_id:
            raise InvalidStateError("administrators cannot deactivate their own account")
        user.active = False
        user.deleted_at = now
        uow.users.revoke_tokens(user)
        released = release_unworkable_claims(uow, user, actor, now, ACCOUNT_DEACTIVATED)
        events.record_system(
            uow,
            EventType.USER_DEACTIVATED,
            actor=actor,
            now=now,
            payload=UserDeactivated(username=username, released_tasks=released),
        )
        detail = _detail(uow, user, now)
        uow.commit()
    return detail


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.users.by_username(username)
    if user is None:
        raise NotFoundError(f"no user {username}")
    return user


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


def _withheld_roles(uow: UnitOfWork, new: NewUser) -> list[str]:
    """The roles of `new` that wait for a second administrator: those reading personal data
    across units, except for the very first administrator (nobody could approve otherwise)
    and for demo accounts (refused in production)."""
    guarded = sorted(set(new.roles) & SECOND_ADMIN_ROLES)
    if not guarded or new.is_demo:
        return []
    if (
        guarded == [Role.ADMIN]
        and not uow.users.search(UserFilter(role=Role.ADMIN, active=True), 0, 1)[1]
    ):
        return []
    return guarded


def _user_errors(new: NewUser) -> list[FieldError]:
    errors = []
    if not USERNAME_PATTERN.match(new.username):
        errors.append(FieldError("username", "3-80 letters, digits or . _ @ -"))
    if len(new.password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
    errors += role_errors(new.roles, new.unit_code)
    if not new.full_name.strip() or len(new.full_name) > MAX_NAME_LENGTH:
        errors.append(FieldError("full_name", f"required, at most {MAX_NAME_LENGTH} characters"))
    return errors


_Withdrawing = TypeVar("_Withdrawing", UserUpdated, UserActivated)


def _with_withdrawn(payload: _Withdrawing, withdrawn: list[str]) -> _Withdrawing:
    """The event's payload, naming the second administrator's roles withdrawn, if any."""
    if withdrawn:
        payload["withdrawn_roles"] = withdrawn
    return payload
