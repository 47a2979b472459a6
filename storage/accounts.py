"""Collection-like access to accounts and the requests to grant them a role. Repositories
never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from storage.account_models import RoleGrant, User
from storage.statuses import RoleGrantStatus


@dataclass(frozen=True, slots=True)
class UserFilter:
    unit_code: str | None = None
    role: str | None = None
    active: bool | None = None
    username_prefix: str | None = None


class Users:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).first()

    def full_name(self, username: str) -> str | None:
        """The account's full name now (a document prints it as it is at issue)."""
        user = self.by_username(username)
        return user.full_name if user is not None else None

    def lock_for_share(
        self, *, user_id: int | None = None, username: str | None = None
    ) -> User | None:
        """The account, read under a share lock (PostgreSQL): a concurrent deactivation or move
        either waits for the caller's transaction or is seen by it."""
        stmt = select(User)
        stmt = (
            stmt.where(User.id == user_id)
            if user_id is not None
            else stmt.where(User.username == username)
        )
        stmt = stmt.with_for_update(read=True).execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def add(self, user: User) -> None:
        self.session.add(user)
        self.session.flush()

    def all(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.username)).all()

    def search(self, flt: UserFilter, offset: int, limit: int) -> tuple[Sequence[User], int]:
        stmt = select(User)
        if flt.unit_code is not None:
            stmt = stmt.where(User.unit_code == flt.unit_code)
        if flt.active is not None:
            stmt = stmt.where(User.active.is_(flt.active))
        if flt.username_prefix:
            stmt = stmt.where(User.username.startswith(flt.username_prefix, autoescape=True))
        if flt.role is not None:
            # `roles` is a JSON list of plain words; its text form reads the same on both databases.
            stmt = stmt.where(cast(User.roles, String).like(f'%"{flt.role}"%'))
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(stmt.order_by(User.username).offset(offset).limit(limit))
        return rows.all(), total

    def revoke_tokens(self, user: User) -> None:
        """Raise the account's credentials epoch, in SQL (`epoch + 1` on the row as committed):
        two concurrent changes raise it twice, so neither can leave a token of the other alive."""
        user.credentials_epoch = User.credentials_epoch + 1

    def any_active_demo(self) -> bool:
        stmt = select(User.id).where(User.is_demo.is_(True), User.active.is_(True)).limit(1)
        return self.session.scalars(stmt).first() is not None


class RoleGrants:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, grant: RoleGrant) -> None:
        self.session.add(grant)
        self.session.flush()

    def get(self, grant_id: int, *, for_update: bool = False) -> RoleGrant | None:
        stmt = select(RoleGrant).where(RoleGrant.id == grant_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def pending_for(self, user_id: int, role: str) -> RoleGrant | None:
        stmt = select(RoleGrant).where(
            RoleGrant.user_id == user_id,
            RoleGrant.role == role,
            RoleGrant.status == RoleGrantStatus.PENDING,
        )
        return self.session.scalars(stmt).first()

    def page(self, status: str | None, offset: int, limit: int) -> tuple[Sequence[RoleGrant], int]:
        stmt = select(RoleGrant)
        if status is not None:
            stmt = stmt.where(RoleGrant.status == status)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(stmt.order_by(RoleGrant.id.desc()).offset(offset).limit(limit))
        return rows.all(), total
