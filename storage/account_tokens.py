"""Single-use account links (confirmation, password reset), found by the hash of their token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.account_models import AccountToken


class AccountTokens:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: AccountToken) -> None:
        self.session.add(token)
        self.session.flush()

    def usable(self, token_hash: str, purpose: str, now: datetime) -> AccountToken | None:
        """The unused, unexpired token with this hash, locked for the update that uses it."""
        return self.session.scalars(
            select(AccountToken)
            .where(
                AccountToken.token_hash == token_hash,
                AccountToken.purpose == purpose,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > now,
            )
            .with_for_update()
        ).first()

    def use(self, token: AccountToken, now: datetime) -> bool:
        """Mark it used; False if a concurrent request used it first."""
        used = self.session.execute(
            update(AccountToken)
            .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(used.rowcount)  # type: ignore[attr-defined]

    def void_all(self, user_id: int, purpose: str, now: datetime) -> None:
        """Every other link of this purpose stops working (a password was just reset)."""
        self.session.execute(
            update(AccountToken)
            .where(
                AccountToken.user_id == user_id,
                AccountToken.purpose == purpose,
                AccountToken.used_at.is_(None),
            )
            .values(used_at=now)
        )

    def latest(self, user_id: int, purpose: str, *, sent_only: bool = False) -> datetime | None:
        """When the account's latest token of this purpose was made; `sent_only`: of those
        whose message did not fail to send."""
        query = select(AccountToken.created_at).where(
            AccountToken.user_id == user_id, AccountToken.purpose == purpose
        )
        if sent_only:
            query = query.where(AccountToken.send_failed_at.is_(None))
        return self.session.scalars(query.order_by(AccountToken.created_at.desc()).limit(1)).first()

    def mark_send_failed(self, token_hash: str, now: datetime) -> None:
        """Its message could not be sent: the resend limit no longer counts it."""
        self.session.execute(
            update(AccountToken)
            .where(AccountToken.token_hash == token_hash)
            .values(send_failed_at=now)
        )
