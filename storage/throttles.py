"""Failed-login bookkeeping: one row per username, updated with conditional statements so that
concurrent attempts in several workers never check more passwords than the policy allows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from storage.account_models import LoginThrottle
from storage.db import dialect_insert


class LoginThrottles:
    def __init__(self, session: Session) -> None:
        self.session = session

    def reserve_attempt(
        self, username: str, now: datetime, *, first_budget: int, forget_before: datetime
    ) -> bool:
        """Take one password check for `username`; False while locked or out of attempts.

        Before the first lock `first_budget` checks are allowed, after a lock one per lock
        expiry. A row untouched since `forget_before` starts over.
        """
        self.session.execute(
            dialect_insert(self.session, LoginThrottle)
            .values(username=username, attempts=0, lock_level=0, last_attempt_at=now)
            .on_conflict_do_nothing(index_elements=[LoginThrottle.username])
        )
        self.session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.username == username,
                LoginThrottle.last_attempt_at < forget_before,
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            )
            .values(attempts=0, lock_level=0, locked_until=None)
        )
        budget = case((LoginThrottle.lock_level == 0, first_budget), else_=1)
        reserved = self.session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.username == username,
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
                LoginThrottle.attempts < budget,
            )
            .values(attempts=LoginThrottle.attempts + 1, last_attempt_at=now)
            .returning(LoginThrottle.attempts)
        ).first()
        return reserved is not None

    def get(self, username: str, *, for_update: bool = False) -> LoginThrottle | None:
        stmt = select(LoginThrottle).where(LoginThrottle.username == username)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def clear(self, username: str) -> bool:
        """Forget every failure of `username` (after a good login or an administrator's unlock)."""
        result = self.session.execute(
            delete(LoginThrottle)
            .where(LoginThrottle.username == username)
            .returning(LoginThrottle.username)
        )
        return result.first() is not None
