"""Records that never change once written: registered calendar data versions and the documents
issued for dossiers. Both tables refuse UPDATE and DELETE (migration 0006)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, undefer

from storage.db import dialect_of, insert_for
from storage.models import CalendarVersion, Document, DocumentSequence, Dossier

# Built once: every step of a dossier reads the calendar version it counts on.
_LATEST_VERSION = select(CalendarVersion).order_by(CalendarVersion.version.desc()).limit(1)
_FIRST_VERSION = select(CalendarVersion).order_by(CalendarVersion.version).limit(1)
_DOCUMENTS = (
    select(Document)
    .where(Document.dossier_id == bindparam("dossier_id"))
    .order_by(Document.issued_at, Document.id)
)


class DocumentNumbers(Protocol):
    def next_sequence(self, unit_code: str, form: str, year: int) -> int: ...


class DocumentSealer(Protocol):
    """Numbers, renders and signs a document being issued (engine.issuing implements it): sets
    its year, sequence, number, snapshot, sha256 and pdf before it is added."""

    def seal(self, document: Document, numbers: DocumentNumbers) -> None: ...


def _next_number_statement(dialect: str) -> Any:
    stmt = insert_for(dialect)(DocumentSequence).values(
        unit_code=bindparam("unit"), form=bindparam("form"), year=bindparam("year"), last_value=1
    )
    return stmt.on_conflict_do_update(
        index_elements=[DocumentSequence.unit_code, DocumentSequence.form, DocumentSequence.year],
        set_={"last_value": DocumentSequence.last_value + 1},
    ).returning(DocumentSequence.last_value)


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

    def next_sequence(self, unit_code: str, form: str, year: int) -> int:
        """Atomically take the unit's next number of `form` in `year`: an upsert that locks the
        row until the transaction ends, so two steps never get the same number."""
        stmt = _next_number_statement(dialect_of(self.session))
        params = {"unit": unit_code, "form": form, "year": year}
        return int(self.session.execute(stmt, params).scalar_one())

    def get(self, document_id: int) -> Document | None:
        return self.session.get(Document, document_id)

    def with_pdf(self, document_id: int) -> Document | None:
        """The document with its signed PDF loaded (the column is deferred)."""
        stmt = select(Document).where(Document.id == document_id).options(undefer(Document.pdf))
        return self.session.scalars(stmt).first()

    def by_sha256(self, sha256: str) -> Document | None:
        return self.session.scalars(select(Document).where(Document.sha256 == sha256)).first()

    def with_pdfs(self, dossier_id: int | None = None) -> Iterator[Document]:
        """The signed documents (of one dossier, or all) with their PDFs, read 50 at a time
        (keyset pages, no server-side cursor: it works in a read without a transaction):
        `audit verify` hashes every one without holding them all in memory."""
        after = 0
        while True:
            stmt = select(Document).where(Document.sha256.is_not(None), Document.id > after)
            if dossier_id is not None:
                stmt = stmt.where(Document.dossier_id == dossier_id)
            stmt = stmt.options(undefer(Document.pdf)).order_by(Document.id).limit(50)
            batch = self.session.scalars(stmt).all()
            if not batch:
                return
            yield from batch
            after = batch[-1].id

    def received_between(self, unit_code: str, start: datetime, end: datetime) -> Sequence[Dossier]:
        """The unit's dossiers received in [start, end), in order of reception (Mẫu 07)."""
        stmt = (
            select(Dossier)
            .where(
                Dossier.unit_code == unit_code,
                Dossier.received_at >= start,
                Dossier.received_at < end,
            )
            .order_by(Dossier.received_at, Dossier.id)
        )
        return self.session.scalars(stmt).all()
