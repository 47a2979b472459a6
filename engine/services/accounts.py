"""Units, users, logins and token checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from engine import events
from engine.authz import ALL_ROLES, SECOND_ADMIN_ROLES, UNIT_ROLES, Actor, Role, ensure_admin
from engine.context import EngineContext
from engine.errors import (
    AuthenticationError,
    DuplicateError,
    FieldError,
    InvalidStateError,
    NotFoundError,
    ValidationFailedError,
)
from engine.results import UnitView, UserView
from engine.services.claims import ACCOUNT_DEACTIVATED, release_unworkable_claims
from engine.transactions import conflicts_as_errors
from storage.errors import DuplicateRecordError
from storage.models import RoleGrant, Unit, User
from storage.repositories import UserFilter
from storage.uow import UnitOfWork

USERNAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.@-]{3,80}$")
UNIT_CODE_PATTERN = re.compile(r"^[0-9A-Za-z.]{1,40}$")
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 200
NEW_ACCOUNT_REASON = "asked for when the account was created"
PASSWORD_RESET = "password_reset"  # noqa: S105 (an event value, not a password)
REACTIVATION = "reactivation"


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    password: str
    full_name: str
    roles: tuple[str, ...]
    unit_code: str | None
    is_demo: bool = False


def create_unit(ctx: EngineContext, actor: Actor, code: str, name: str) -> UnitView:
    ensure_admin(actor)
    errors = []
    if not UNIT_CODE_PATTERN.match(code):
        errors.append(
            FieldError("code", "unit codes are letters, digits and dots, e.g. 000.00.07.H29")
        )
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        errors.append(FieldError("name", f"a unit needs a name of at most {MAX_NAME_LENGTH}"))
    if errors:
        raise ValidationFailedError("the unit is not valid", errors)
    now = ctx.clock.now()
    try:
        with conflicts_as_errors(), ctx.uow() as uow:
            if uow.units.get(code) is not None:
                raise DuplicateError(f"unit {code} already exists")
            uow.units.add(Unit(code=code, name=name.strip(), active=True, created_at=now))
            events.record_system(
                uow,
                "unit_created",
                actor=actor,
                now=now,
                payload={"code": code, "name": name.strip()},
            )
            uow.commit()
    except DuplicateRecordError as exc:
        raise DuplicateError(f"unit {code} already exists") from exc
    return UnitView(code=code, name=name.strip())


def create_user(ctx: EngineContext, actor: Actor, new: NewUser) -> UserView:
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
                "user_created",
                actor=actor,
                now=now,
                payload={
                    "username": user.username,
                    "roles": user.roles,
                    "unit": user.unit_code,
                    "demo": user.is_demo,
                },
            )
            for role in withheld:
                ask_for_role(uow, actor, user, role, NEW_ACCOUNT_REASON, now)
            uow.commit()
            return _user_view(user)
    except DuplicateRecordError as exc:
        raise DuplicateError(f"user {new.username} already exists") from exc


def deactivate_user(ctx: EngineContext, actor: Actor, username: str) -> UserView:
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
            "user_deactivated",
            actor=actor,
            now=now,
            payload={"username": username, "released_tasks": released},
        )
        uow.commit()
        return _user_view(user)


def authenticate(ctx: EngineContext, token: str) -> Actor:
    """The actor behind a bearer token; roles and unit come from the database, not the token."""
    claims = ctx.tokens.verify(token, ctx.clock.now())
    account = ctx.db.account(claims.user_id)
    if account is None or not account.active:
        raise AuthenticationError("the account behind this token no longer exists")
    if claims.credentials_epoch != account.credentials_epoch:
        # Issued before a deactivation, a password, role or unit change: never valid again.
        raise AuthenticationError("this token was revoked; log in again")
    if ctx.settings.is_production and account.is_demo:
        raise AuthenticationError("demo accounts cannot be used in production")
    return Actor(
        user_id=account.id,
        username=account.username,
        roles=frozenset(account.roles),
        unit_code=account.unit_code,
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


def ask_for_role(
    uow: UnitOfWork,
    actor: Actor,
    user: User,
    role: str,
    reason: str,
    now: datetime,
    **extra: object,
) -> RoleGrant:
    """A pending role grant request, recorded on the system chain (`extra` in its event)."""
    grant = RoleGrant(
        user_id=user.id,
        username=user.username,
        role=role,
        reason=reason,
        status="pending",
        requested_by=actor.username,
        requested_at=now,
    )
    uow.role_grants.add(grant)
    record_grant_event(uow, "role_grant_requested", actor, grant, **extra)
    return grant


def withdraw_second_admin_roles(
    uow: UnitOfWork, actor: Actor, user: User, after: str, now: datetime
) -> list[str]:
    """Take `SECOND_ADMIN_ROLES` off an account an administrator has just made usable by
    someone else than its owner (`after`: `password_reset`, `reactivation`), and ask for each
    back: a pending grant requested by `actor`, so another administrator must approve it.
    Raises the credentials epoch when a role goes; returns the roles withdrawn."""
    withdrawn = sorted(set(user.roles) & SECOND_ADMIN_ROLES)
    if not withdrawn:
        return []
    user.roles = sorted(set(user.roles) - SECOND_ADMIN_ROLES)
    uow.users.revoke_tokens(user)
    what = "password reset" if after == PASSWORD_RESET else "reactivation"
    for role in withdrawn:
        if uow.role_grants.pending_for(user.id, role) is not None:
            continue  # already asked for; its approver must not be `actor` either (approve_grant)
        reason = (
            f"held before the {what} by {actor.username}; back when a second administrator approves"
        )
        ask_for_role(uow, actor, user, role, reason, now, after=after, by=actor.username)
    return withdrawn


def record_grant_event(
    uow: UnitOfWork, type_: str, actor: Actor, grant: RoleGrant, **extra: object
) -> None:
    events.record_system(
        uow,
        type_,
        actor=actor,
        now=grant.decided_at or grant.requested_at,
        payload={
            "grant": grant.id,
            "username": grant.username,
            "role": grant.role,
            "reason": grant.reason,
            "requested_by": grant.requested_by,
            **extra,
        },
    )


def list_units(ctx: EngineContext) -> list[UnitView]:
    with ctx.uow(write=False) as uow:
        return [UnitView(code=u.code, name=u.name) for u in uow.units.all()]


def demo_accounts_present(ctx: EngineContext) -> bool:
    with ctx.uow(write=False) as uow:
        return uow.users.any_active_demo()


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


def role_errors(roles: tuple[str, ...], unit_code: str | None) -> list[FieldError]:
    """Known roles; officers belong to a unit (they act only within it); citizens are only that."""
    errors = []
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if not roles or unknown:
        errors.append(
            FieldError(
                "roles",
                f"unknown role {', '.join(unknown)}; the roles are {', '.join(sorted(ALL_ROLES))}"
                if unknown
                else "at least one role",
            )
        )
    if set(roles) & UNIT_ROLES and not unit_code:
        errors.append(
            FieldError("unit", "reception, specialist and leader officers belong to a unit")
        )
    elif unit_code and not set(roles) & UNIT_ROLES:
        errors.append(
            FieldError(
                "unit",
                "only reception, specialist and leader officers belong to a unit; "
                "a citizen (or employer), auditor, analyst or administrator account has none",
            )
        )
    if Role.CITIZEN in roles and len(roles) > 1:
        errors.append(FieldError("roles", "a citizen account has no other role"))
    return errors


def _user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=list(user.roles),
        unit_code=user.unit_code,
        active=user.active,
    )


def roles_from_text(text: str) -> tuple[str, ...]:
    return tuple(role.strip() for role in text.split(",") if role.strip())
