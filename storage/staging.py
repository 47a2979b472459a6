"""Staged uploads: files an account uploaded before its dossier exists (the bytes live in the
engine's file store under their SHA-256; engine/services/staging.py decides what happens)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.orm import Session

from storage.account_models import User
from storage.db import dialect_insert, dialect_of
from storage.models import Dossier, DossierFile, StagedUpload


class StagedUploads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_account(self, user_id: int) -> None:
        """Serialise the account's staging until the transaction ends, so that two uploads at
        once cannot both pass the quota (PostgreSQL: the account row `FOR UPDATE`; SQLite's
        write transactions are serial already and ignore it)."""
        self.session.execute(select(User.id).where(User.id == user_id).with_for_update())

    def lock_content(self, sha256: str) -> None:
        """Serialise every writer of this content (storing it, recording a reference to it,
        deleting it) until the transaction ends: a PostgreSQL transaction-level advisory lock
        keyed by the hash. SQLite's write transactions are serial already (BEGIN IMMEDIATE)."""
        if dialect_of(self.session) != "postgresql":
            return
        digest = hashlib.sha256(b"motcua content " + sha256.encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def usage(self, user_id: int) -> tuple[int, int]:
        """(files, bytes) the account has staged and not attached."""
        count, total = self.session.execute(
            select(
                func.count(StagedUpload.id), func.coalesce(func.sum(StagedUpload.size), 0)
            ).where(StagedUpload.user_id == user_id)
        ).one()
        return int(count), int(total)

    def has(self, user_id: int, sha256: str) -> bool:
        return bool(
            self.session.scalar(
                select(
                    exists().where(StagedUpload.user_id == user_id, StagedUpload.sha256 == sha256)
                )
            )
        )

    def held_by(self, user_id: int, sha256s: Iterable[str]) -> set[str]:
        """Which of these contents the account holds: staged by it, or a file of a dossier it
        owns (the same document staged for two drafts, the first already submitted)."""
        wanted = list(set(sha256s))
        if not wanted:
            return set()
        staged = select(StagedUpload.sha256).where(
            StagedUpload.user_id == user_id, StagedUpload.sha256.in_(wanted)
        )
        filed = (
            select(DossierFile.sha256)
            .join(Dossier, Dossier.id == DossierFile.dossier_id)
            .where(Dossier.owner_user_id == user_id, DossierFile.sha256.in_(wanted))
        )
        return set(self.session.scalars(staged.union(filed)).all())

    def record(
        self, user_id: int, sha256: str, size: int, content_type: str, now: datetime
    ) -> None:
        """Record the staging, or renew its time if the account staged this content before."""
        insert = dialect_insert(self.session, StagedUpload).values(
            user_id=user_id, sha256=sha256, size=size, content_type=content_type, staged_at=now
        )
        self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[StagedUpload.user_id, StagedUpload.sha256],
                set_={"staged_at": now},
            )
        )

    def forget(self, user_id: int, sha256s: Iterable[str]) -> int:
        """Delete the account's rows of these contents (attached, or removed from the draft)."""
        wanted = list(sha256s)
        if not wanted:
            return 0
        result = self.session.execute(
            delete(StagedUpload)
            .where(StagedUpload.user_id == user_id, StagedUpload.sha256.in_(wanted))
            .returning(StagedUpload.id)
        )
        return len(result.all())

    def expired_contents(self, before: datetime, limit: int) -> Sequence[str]:
        """Contents with at least one staging older than `before`, oldest first."""
        stmt = (
            select(StagedUpload.sha256)
            .where(StagedUpload.staged_at < before)
            .group_by(StagedUpload.sha256)
            .order_by(func.min(StagedUpload.staged_at), StagedUpload.sha256)
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def forget_expired(self, sha256: str, before: datetime) -> int:
        """Delete the stagings of this content older than `before`; how many."""
        result = self.session.execute(
            delete(StagedUpload)
            .where(StagedUpload.sha256 == sha256, StagedUpload.staged_at < before)
            .returning(StagedUpload.id)
        )
        return len(result.all())

    def referenced(self, sha256: str) -> bool:
        """Whether a dossier holds this content or an account still has it staged."""
        in_dossier = exists().where(DossierFile.sha256 == sha256)
        staged = exists().where(StagedUpload.sha256 == sha256)
        return bool(self.session.scalar(select(in_dossier | staged)))
