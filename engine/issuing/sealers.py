"""Sealing a document of record as it is issued (`engine.records.issue` calls the store's sealer).

- `PdfSealer` (live) numbers the document per unit, form and year (`document_sequence`,
  an upsert that holds the row until commit), builds the data snapshot (`engine.issuing.data`),
  renders it (Typst) and signs it with the unit's key (PAdES); the SHA-256 of the signed bytes
  goes into the `document_issued` event of the dossier's audit chain.
- `LoggedSealer` (replay) never renders or signs: it takes the number and SHA-256 from the
  logged event and rebuilds only the snapshot, which replay compares with the stored one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from engine.issuing import corrections
from engine.issuing import data as document_data
from engine.issuing.signers import DocumentSigners
from storage.record_models import Document
from storage.records import DocumentNumbers


def unit_symbol(unit_name: str) -> str:
    """The issuer's symbol in a number: the initials of the unit's name, e.g. *Bảo hiểm xã hội
    quận Ba Đình* → BHXHQBĐ."""
    parts = [
        word if word.isupper() and len(word) > 1 else word[0].upper()
        for word in unit_name.replace("Bảo hiểm xã hội", "BHXH").split()
        if word[0].isalnum()
    ]
    return "".join(parts) or "BHXH"


def number_of(template: str, sequence: int, unit_name: str) -> str:
    from engine.documents import document_number

    return document_number(sequence, template, unit_symbol(unit_name))


class PdfSealer:
    """Live issuing: number, snapshot, render, sign (see the module's documentation)."""

    def __init__(self, signers: DocumentSigners, tz: ZoneInfo) -> None:
        self.signers = signers
        self.tz = tz

    def seal(self, document: Document, numbers: DocumentNumbers) -> None:
        from engine.documents import render_pdf, sign

        template = _template(document)
        unit_name = str(document.data.get("unit_name") or document.unit_code)
        local = document.issued_at.astimezone(self.tz)
        year = local.year
        sequence = numbers.next_sequence(document.unit_code, template, year)
        number = number_of(template, sequence, unit_name)
        snapshot = snapshot_of(template, document.data, number=number, issued_on=local.date())
        signer = self.signers.signer_for(document.unit_code, unit_name, document.issued_at)
        signed = sign(render_pdf(template, snapshot), signer)
        _set(document, template, year, sequence, number, snapshot, signed)


class LoggedIssue(Protocol):
    """The event log a replay compares with: the next event it expects."""

    def next_logged(self) -> Mapping[str, Any] | None: ...


class LoggedSealer:
    """Replay: the number and SHA-256 come from the logged `document_issued` event."""

    def __init__(self, log: LoggedIssue, tz: ZoneInfo) -> None:
        self.log = log
        self.tz = tz

    def seal(self, document: Document, numbers: DocumentNumbers) -> None:
        logged = self.log.next_logged() or {}
        if "sha256" not in logged:
            return  # issued before documents were signed PDFs: nothing to take
        template = str(logged.get("template") or _template(document))
        number = str(logged["number"])
        local = document.issued_at.astimezone(self.tz)
        document.template = template
        document.year = int(logged["year"])
        document.sequence = int(logged["sequence"])
        document.number = number
        document.snapshot = snapshot_of(
            template, document.data, number=number, issued_on=local.date()
        )
        document.sha256 = str(logged["sha256"])


def snapshot_of(
    template: str, content: Mapping[str, Any], *, number: str, issued_on: date
) -> dict[str, Any]:
    """The template's data of a document: a correction's (`engine.issuing.corrections`) or
    one built from what the dossier said (`engine.issuing.data`)."""
    if corrections.is_correction(content):
        return corrections.snapshot(content, number=number, issued_on=issued_on)
    return document_data.snapshot(template, content, number=number, issued_on=issued_on)


def _template(document: Document) -> str:
    return document.template or f"mau_{document.form}"


def _set(
    document: Document,
    template: str,
    year: int,
    sequence: int,
    number: str,
    snapshot: dict[str, Any],
    signed: bytes,
) -> None:
    document.template = template
    document.year = year
    document.sequence = sequence
    document.number = number
    document.snapshot = snapshot
    document.pdf = signed
    document.sha256 = hashlib.sha256(signed).hexdigest()
