"""The tables of records that never change once written (the database refuses UPDATE and
DELETE): registered calendar data versions and the documents issued for dossiers, with the
numbers given to them. On `storage.models.Base`'s metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.packed import CompactJSON
from storage.types import CompressedBytes, JSONType, UTCDateTime


class CalendarVersion(Base):
    """One registered version of the calendar data (year files, estimates, office hours).

    Immutable (the database refuses UPDATE and DELETE): a dossier pins the version in force when
    it was accepted and every later computation of its dates uses it (R-0.1).
    """

    __tablename__ = "calendar_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Loaded only when a process has not parsed this content yet (it is ~160 KB).
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, deferred=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(80))


class Document(Base):
    """A document of record issued for a dossier (a form of Circular 03/2025, e.g. Mẫu 01).

    Immutable once issued (the database refuses UPDATE and DELETE): a later decision issues a
    new document. `data` is the document's content as issued, which its event also records.
    """

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_dossier", "dossier_id", "form"),
        Index("ux_document_number", "unit_code", "template", "year", "sequence", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    form: Mapped[str] = mapped_column(String(10))  # "01", "04": the form's number
    title: Mapped[str] = mapped_column(String(200))
    #: The form set the form belongs to, e.g. "Thông tư 03/2025/TT-VPCP".
    form_set: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(80))
    unit_code: Mapped[str] = mapped_column(String(40))
    #: Compact JSON text on PostgreSQL, like `snapshot` (`storage.packed.CompactJSON`, 0017).
    data: Mapped[dict[str, Any]] = mapped_column(CompactJSON)
    # Issued as a signed PDF (migration 0009; None on documents issued before it):
    #: The template of engine/documents, e.g. "mau_01", "thong_bao".
    template: Mapped[str | None] = mapped_column(String(20), default=None)
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The unit's number for this template in `year` (document_sequence).
    sequence: Mapped[int | None] = mapped_column(Integer, default=None)
    #: As printed after "Số:", e.g. "125/TNHS-BHXHBĐ".
    number: Mapped[str | None] = mapped_column(String(60), default=None)
    #: The data the PDF was rendered from, exactly (engine.issuing.data).
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(CompactJSON, default=None)
    #: SHA-256 of `pdf`, as the `document_issued` event records it.
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The signed PDF, stored compressed (`CompressedBytes`, XZ).
    pdf: Mapped[bytes | None] = mapped_column(CompressedBytes, default=None, deferred=True)
    #: The document this one corrects (a correction is a new document).
    corrects: Mapped[int | None] = mapped_column(Integer, default=None)


class DocumentSequence(Base):
    """Last number a unit gave a form (template) in a year."""

    __tablename__ = "document_sequence"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    form: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)
