"""The tables of accounts: users, requests for a role that needs a second administrator,
failed-login bookkeeping and single-use account links. On `storage.models.Base`'s metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import JSONType, UTCDateTime


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONType)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Raised by every deactivation, password change, role or unit change; each token carries
    #: the value it was issued under and stops working once the two differ (never again equal).
    credentials_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Who last set the password (an administrator's username, `cli:<login>`; the account's
    #: own name when they changed it themselves); NULL when set before migration 0012. A role
    #: needing a second administrator is never approved by this one (issue 12, C11).
    password_set_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class RoleGrant(Base):
    """A request to give an account a role that reads personal data across units (auditor):
    asked by one administrator, decided by another (never the grantee)."""

    __tablename__ = "role_grant"
    __table_args__ = (Index("ix_role_grant_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # storage.statuses.RoleGrantStatus
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginThrottle(Base):
    """Failed-login bookkeeping per username (known or not), shared by every worker.

    `attempts` counts password checks reserved since the last lock; `lock_level` how many locks
    in a row (each doubles the next); `locked_until` refuses every attempt before it.
    """

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    lock_level: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountToken(Base):
    """A single-use link sent to an account's e-mail or phone (confirm the account, reset its
    password): only the SHA-256 of the token is stored, so the table opens no account."""

    __tablename__ = "account_token"
    __table_args__ = (Index("ix_account_token_user", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: confirm | reset | exists (a notice: never usable)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When sending its message failed (SMTP or the SMS gateway down): the resend limit does
    #: not count it, so the citizen can ask again at once. The link itself stays as it was.
    send_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
