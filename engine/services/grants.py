"""Role grants that need a second administrator (issue 12, C11).

The roles in `engine.security.authz.SECOND_ADMIN_ROLES` reach personal data in every unit's
dossiers. One administrator asks (`request_grant`), another approves (`approve_grant`) or either
refuses (`reject_grant`); nobody asks for, or approves, a grant to their own account, and neither
the one who asked nor the one who last set the account's password (`User.password_set_by`:
they could log in as it) approves. Every step is an event on the system chain. Administrators
are told apart by their account, or, on the command line, by the operating-system login
(`cli:<login>`).
"""

from __future__ import annotations

from datetime import datetime

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
from engine.results import Page, RoleGrantView
from engine.security.authz import SECOND_ADMIN_ROLES, Actor, ensure_admin
from engine.services.account_rules import page_window, role_errors
from engine.transactions import conflicts_as_errors
from storage.account_models import RoleGrant, User
from storage.statuses import RoleGrantStatus
from storage.uow import UnitOfWork

MAX_REASON_LENGTH = 500
STATUSES = tuple(status.value for status in RoleGrantStatus)
PASSWORD_RESET = "password_reset"  # noqa: S105 (an event value, not a password)
REACTIVATION = "reactivation"


def is_own_account(actor: Actor, user: User) -> bool:
    return (actor.user_id is not None and actor.user_id == user.id) or (
        actor.username == user.username
    )


def request_grant(
    ctx: EngineContext, actor: Actor, username: str, role: str, reason: str
) -> RoleGrantView:
    """Ask for `role` to be given to `username`; a second administrator decides.

    Raises:
        ValidationFailedError: not a role that needs a grant, no reason, or the account could
            not hold the role (a citizen).
        InvalidStateError: one's own account, an inactive account, or the role already held.
        DuplicateError: the same request is already pending.
    """
    ensure_admin(actor)
    errors = []
    if role not in SECOND_ADMIN_ROLES:
        errors.append(
            FieldError(
                "role",
                f"only {', '.join(sorted(SECOND_ADMIN_ROLES))} need a second administrator; "
                "other roles are set on the account directly",
            )
        )
    if not 0 < len(reason.strip()) <= MAX_REASON_LENGTH:
        errors.append(FieldError("reason", f"why, in at most {MAX_REASON_LENGTH} characters"))
    if errors:
        raise ValidationFailedError("the role grant request is not valid", errors)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        user = _user(uow, username)
        if is_own_account(actor, user):
            raise InvalidStateError("administrators cannot ask for a role for their own account")
        if not user.active:
            raise InvalidStateError(f"{username} is deactivated")
        if role in user.roles:
            raise InvalidStateError(f"{username} already has the role {role}")
        problems = role_errors((*user.roles, role), user.unit_code)
        if problems:
            raise ValidationFailedError("the account cannot hold this role", problems)
        if uow.role_grants.pending_for(user.id, role) is not None:
            raise DuplicateError(f"a request for {role} to {username} is already pending")
        grant = ask_for_role(uow, actor, user, role, reason.strip(), now)
        view = _view(grant)
        uow.commit()
    return view


def approve_grant(ctx: EngineContext, actor: Actor, grant_id: int) -> RoleGrantView:
    """A second administrator approves: the account has the role from its next login (its
    tokens issued before stop working).

    Raises:
        InvalidStateError: not pending, asked by the caller, or for the caller's own account.
    """
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        grant = _pending(uow, grant_id)
        if grant.requested_by == actor.username:
            raise InvalidStateError("a second administrator must approve: you asked for this grant")
        user = uow.users.get(grant.user_id)
        assert user is not None  # a foreign key
        if is_own_account(actor, user):
            raise InvalidStateError("administrators cannot approve a grant to their own account")
        if user.password_set_by is not None and user.password_set_by == actor.username:
            raise InvalidStateError(
                f"a second administrator must approve: you set {user.username}'s password"
            )
        if not user.active:
            raise InvalidStateError(f"{user.username} is deactivated; reject the request")
        problems = role_errors((*user.roles, grant.role), user.unit_code)
        if problems:
            raise ValidationFailedError("the account cannot hold this role", problems)
        grant.status, grant.decided_by = RoleGrantStatus.APPROVED, actor.username
        grant.decided_at = now
        if grant.role not in user.roles:
            user.roles = sorted({*user.roles, grant.role})
            uow.users.revoke_tokens(user)
        record_grant_event(uow, EventType.ROLE_GRANT_APPROVED, actor, grant, roles=list(user.roles))
        view = _view(grant)
        uow.commit()
    return view


def reject_grant(ctx: EngineContext, actor: Actor, grant_id: int) -> RoleGrantView:
    """Refuse a pending request (the administrator who asked may withdraw it this way too)."""
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        grant = _pending(uow, grant_id)
        grant.status, grant.decided_by = RoleGrantStatus.REJECTED, actor.username
        grant.decided_at = now
        record_grant_event(uow, EventType.ROLE_GRANT_REJECTED, actor, grant)
        view = _view(grant)
        uow.commit()
    return view


def list_grants(
    ctx: EngineContext, actor: Actor, status: str | None, page: int, page_size: int
) -> Page[RoleGrantView]:
    """Role grant requests, newest first (filter by status)."""
    ensure_admin(actor)
    page, page_size = page_window(page, page_size)
    with ctx.uow(write=False) as uow:
        rows, total = uow.role_grants.page(status, (page - 1) * page_size, page_size)
        items = [_view(grant) for grant in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def get_grant(ctx: EngineContext, actor: Actor, grant_id: int) -> RoleGrantView:
    ensure_admin(actor)
    with ctx.uow(write=False) as uow:
        grant = uow.role_grants.get(grant_id)
        if grant is None:
            raise NotFoundError(f"no role grant {grant_id}")
        return _view(grant)


def _pending(uow: UnitOfWork, grant_id: int) -> RoleGrant:
    grant = uow.role_grants.get(grant_id, for_update=True)
    if grant is None:
        raise NotFoundError(f"no role grant {grant_id}")
    if grant.status != RoleGrantStatus.PENDING:
        raise InvalidStateError(f"role grant {grant_id} is already {grant.status}")
    return grant


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.users.by_username(username)
    if user is None:
        raise NotFoundError(f"no user {username}")
    return user


def _view(grant: RoleGrant) -> RoleGrantView:
    return RoleGrantView(
        id=grant.id,
        username=grant.username,
        role=grant.role,
        reason=grant.reason,
        status=grant.status,
        requested_by=grant.requested_by,
        requested_at=grant.requested_at,
        decided_by=grant.decided_by,
        decided_at=grant.decided_at,
    )


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
        status=RoleGrantStatus.PENDING,
        requested_by=actor.username,
        requested_at=now,
    )
    uow.role_grants.add(grant)
    record_grant_event(uow, EventType.ROLE_GRANT_REQUESTED, actor, grant, **extra)
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
