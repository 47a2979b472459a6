"""Records that never change once written: registered calendar data versions and the documents
issued for dossiers. Both tables refuse UPDATE and DELETE (migration 0006)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import CalendarVersion, Document

# Built once: every step of a dossier reads the calendar version it counts on.
_LATEST_VERSION = select(CalendarVersion).order_by(CalendarVersion.version.desc()).limit(1)
_FIRST_VERSION = select(CalendarVersion).order_by(CalendarVersion.version).limit(1)
_DOCUMENTS = (
    select(Document)
    .where(Document.dossier_id == bindparam("dossier_id"))
    .order_by(Document.issued_at, Document.id)
)


class CalendarVersions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self) -> CalendarVersion | None:
        return self.session.scalars(_LATEST_VERSION).first()

    def first(self) -> CalendarVersion | None:
        return self.session.scalars(_FIRST_VERSION).first()

    def get(self, version: int) -> CalendarVersion | None:
        return self.session.get(CalendarVersion, version)

    def all(self) -> Sequence[CalendarVersion]:
        return self.session.scalars(select(CalendarVersion).order_by(CalendarVersion.version)).all()

    def content(self, row: CalendarVersion) -> dict[str, Any]:
        """The row's content (a deferred column: read only when asked for)."""
        return dict(row.content)

    def add(self, row: CalendarVersion) -> None:
        self.session.add(row)


class Documents:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, document: Document) -> None:
        self.session.add(document)

    def for_dossier(self, dossier_id: int) -> Sequence[Document]:
        return self.session.scalars(_DOCUMENTS, {"dossier_id": dossier_id}).all()
