"""Logging in, with a lockout that holds across workers because it lives in the database.

Policy: `login_max_failures` password checks per account name; the failure that uses them up
locks the name for `login_lockout_seconds`, and every further failure after a lock doubles it
(at most `MAX_LOCK_SECONDS`). A good password clears everything; a name left alone for a day
starts over. Attempts are reserved *before* the password is checked, with one conditional UPDATE,
so many concurrent guesses never get more checks than the policy allows. Names that do not exist
are throttled the same way, so a lock tells nothing about which accounts exist. Every failure,
refusal and lock is an event on the system chain.

`authenticate` turns a bearer token (API) or a session token (web pages) back into an actor.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from engine import events
from engine.context import EngineContext
from engine.errors import AuthenticationError, TooManyAttemptsError
from engine.event_types import EventType
from engine.results import TokenResult
from engine.security.authz import ANONYMOUS, Actor
from engine.system_event_types import LoginFailed, LoginLocked, LoginSucceeded
from engine.transactions import conflicts_as_errors
from storage.uow import UnitOfWork

MAX_LOCK_SECONDS = 3600
FORGET_AFTER = timedelta(days=1)
WRONG_CREDENTIALS = "wrong username or password"


def login(
    ctx: EngineContext, username: str, password: str, *, client: str | None = None
) -> TokenResult:
    """A bearer token for a good username and password.

    Raises:
        AuthenticationError: wrong username or password, or a demo account in production.
        TooManyAttemptsError: the name is locked after repeated failures (retry later).
    """
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        allowed = uow.logins.reserve_attempt(
            username,
            now,
            first_budget=ctx.settings.login_max_failures,
            forget_before=now - FORGET_AFTER,
        )
        retry_after = 0
        if not allowed:
            retry_after = _seconds_until(uow, username, now)
            _failed(uow, username, "locked", client, now)
        uow.commit()
    if not allowed:
        raise TooManyAttemptsError(_locked_message(retry_after), retry_after)

    # The slow password check runs outside any transaction so it holds no database lock.
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username(username)
        stored_hash = user.password_hash if user is not None and user.active else None
        user_id, roles, unit, epoch = (
            (user.id, list(user.roles), user.unit_code, user.credentials_epoch)
            if user
            else (0, [], None, 0)
        )
        is_demo = user is not None and user.is_demo
    good = ctx.passwords.verify(stored_hash, password) and stored_hash is not None
    refusal = None if good else "bad_credentials"
    if good and ctx.settings.is_production and is_demo:
        refusal = "demo_account_in_production"

    with conflicts_as_errors(), ctx.uow() as uow:
        if refusal is None:
            uow.logins.clear(username)
            events.record_system(
                uow,
                EventType.LOGIN_SUCCEEDED,
                actor=Actor(user_id, username, frozenset(roles), unit),
                now=now,
                payload=LoginSucceeded(username=username, client=client),
            )
            uow.commit()
            token = ctx.tokens.issue(user_id, username, roles, unit, now, credentials_epoch=epoch)
            return TokenResult(access_token=token, expires_in=ctx.tokens.ttl_seconds)
        # Lock the throttle row before the system chain, in the order the reservation took
        # them: concurrent failures would otherwise deadlock on PostgreSQL.
        uow.logins.get(username, for_update=True)
        _failed(uow, username, refusal, client, now)
        lock_seconds = _lock_if_spent(ctx, uow, username, client, now)
        uow.commit()
    if lock_seconds:
        raise TooManyAttemptsError(_locked_message(lock_seconds), lock_seconds)
    if refusal == "demo_account_in_production":
        raise AuthenticationError("demo accounts cannot be used in production")
    raise AuthenticationError(WRONG_CREDENTIALS)


def lock_seconds_for(level: int, base_seconds: int) -> int:
    """How long the `level`-th lock in a row lasts (0 = first): doubling, capped."""
    return int(min(base_seconds * 2 ** min(level, 32), MAX_LOCK_SECONDS))


def _lock_if_spent(
    ctx: EngineContext, uow: UnitOfWork, username: str, client: str | None, now: datetime
) -> int:
    """Lock the name when this failure used up its attempts; returns the lock's length or 0."""
    row = uow.logins.get(username, for_update=True)
    if row is None:  # cleared by a concurrent good login
        return 0
    budget = ctx.settings.login_max_failures if row.lock_level == 0 else 1
    if row.attempts < budget:
        return 0
    seconds = lock_seconds_for(row.lock_level, ctx.settings.login_lockout_seconds)
    row.locked_until = now + timedelta(seconds=seconds)
    row.lock_level += 1
    row.attempts = 0
    events.record_system(
        uow,
        EventType.LOGIN_LOCKED,
        actor=ANONYMOUS,
        now=now,
        payload=LoginLocked(
            username=username,
            locked_until=events.format_time(row.locked_until),
            lock_seconds=seconds,
            lock_level=row.lock_level,
            client=client,
        ),
    )
    return seconds


def _failed(uow: UnitOfWork, username: str, reason: str, client: str | None, now: datetime) -> None:
    events.record_system(
        uow,
        EventType.LOGIN_FAILED,
        actor=ANONYMOUS,
        now=now,
        payload=LoginFailed(username=username, reason=reason, client=client),
    )


def _seconds_until(uow: UnitOfWork, username: str, now: datetime) -> int:
    row = uow.logins.get(username)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 1  # out of attempts while concurrent checks finish: retry shortly
    return max(1, math.ceil((row.locked_until - now).total_seconds()))


def _locked_message(seconds: int) -> str:
    return f"too many failed logins for this account; try again in {seconds} seconds"


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


def demo_accounts_present(ctx: EngineContext) -> bool:
    with ctx.uow(write=False) as uow:
        return uow.users.any_active_demo()
