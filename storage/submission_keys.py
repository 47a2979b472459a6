"""Submission keys: a submission carries its client's key (the portal's signed draft, the API's
`Idempotency-Key`), recorded with the dossier it created under a unique constraint, so the same
submission sent again (a replayed page, a retried request, two at once) finds that dossier
instead of creating another. Kept apart from `storage.models`, on the same metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, Dossier
from storage.types import UTCDateTime


class SubmissionKey(Base):
    """The dossier a submission key created. `key` is a digest of the submitter and the client's
    key (engine.services.submission_keys), so one account's keys never meet another's."""

    __tablename__ = "submission_key"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    #: A digest of what was submitted: the same key with other content is refused, not replayed.
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SubmissionKeys:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: SubmissionKey) -> None:
        """Written with its dossier; a second writer of the same key fails at flush or commit
        (`DuplicateRecordError`) whatever the isolation level."""
        self.session.add(row)

    def find(self, key: str) -> tuple[SubmissionKey, Dossier] | None:
        """The key's row and the dossier it created."""
        stmt = (
            select(SubmissionKey, Dossier)
            .join(Dossier, Dossier.id == SubmissionKey.dossier_id)
            .where(SubmissionKey.key == key)
        )
        found = self.session.execute(stmt).first()
        return None if found is None else (found[0], found[1])
