"""Records that never change once written: registered calendar data versions and the documents
issued for dossiers. Both tables refuse UPDATE and DELETE (migration 0006)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, undefer

from storage.db import dialect_of, insert_for
from storage.models import Dossier
from storage.record_models import CalendarVersion, Document, DocumentSequence

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

    def count_received_between(self, unit_code: str, start: datetime, end: datetime) -> int:
        """How many of the unit's dossiers were received in [start, end) (Mẫu 07)."""
        stmt = select(func.count()).where(*_received(unit_code, start, end))
        return int(self.session.scalar(stmt) or 0)

    def received_between(
        self,
        unit_code: str,
        start: datetime,
        end: datetime,
        *,
        skip: int = 0,
        take: int | None = None,
    ) -> Iterator[BookEntry]:
        """The unit's dossiers received in [start, end), in order of reception, from the
        `skip`-th on, at most `take` of them (Mẫu 07). Only the columns the book prints, read
        500 at a time (keyset pages): a busy unit's year never sits in memory at once."""
        left = take
        after: tuple[datetime, int] | None = None
        while left is None or left > 0:
            stmt = select(*_BOOK_COLUMNS).where(*_received(unit_code, start, end))
            if after is None:
                stmt = stmt.offset(skip)
            else:
                stmt = stmt.where(
                    or_(
                        Dossier.received_at > after[0],
                        and_(Dossier.received_at == after[0], Dossier.id > after[1]),
                    )
                )
            page = _BOOK_PAGE if left is None else min(_BOOK_PAGE, left)
            stmt = stmt.order_by(Dossier.received_at, Dossier.id).limit(page)
            batch = [BookEntry(*row) for row in self.session.execute(stmt)]
            yield from batch
            if len(batch) < page:
                return
            if left is not None:
                left -= len(batch)
            last = batch[-1]
            assert last.received_at is not None  # the query selects received dossiers only
            after = (last.received_at, last.id)


_BOOK_PAGE = 500
_BOOK_COLUMNS = (
    Dossier.id,
    Dossier.code,
    Dossier.procedure_key,
    Dossier.definition_id,
    Dossier.applicant,
    Dossier.status,
    Dossier.submitted_at,
    Dossier.received_at,
    Dossier.due_at,
    Dossier.resolved_at,
    Dossier.finished_at,
)


@dataclass(frozen=True, slots=True)
class BookEntry:
    """What Mẫu 07 prints of one dossier (the columns of `_BOOK_COLUMNS`, in order)."""

    id: int
    code: str
    procedure_key: str
    definition_id: int
    applicant: dict[str, Any]
    status: int
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None
    finished_at: datetime | None


def _received(unit_code: str, start: datetime, end: datetime) -> tuple[Any, ...]:
    return (
        Dossier.unit_code == unit_code,
        Dossier.received_at >= start,
        Dossier.received_at < end,
    )
