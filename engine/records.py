"""Documents of record a dossier is issued: the forms of Circular 03/2025/TT-VPCP
(docs/domain.md §2).

`FORM_SET` is the one place the form numbers and titles live: when the authority over the forms
changes them (Decree 309/2026 moved it to the Ministry of Justice), it is an edit here, and
documents already issued keep the number, title and form set they were issued under.

A document is issued once, with its content as of that moment, and never changes: a row of
`document` (the database refuses UPDATE and DELETE) and a `document_issued` event on the
dossier's chain with the same content, which replay re-derives and compares. A later decision
issues a new document: a re-appointment issues Mẫu 04, it does not edit Mẫu 01.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine import events, outbound
from engine.applicants import APPLICANT_EMPLOYER, kind_of
from engine.event_types import DocumentIssued, EventType, HandlingStopped
from engine.events import EventSink
from engine.issuing.data import header
from engine.procedures.model import ProcedureModel
from engine.security.authz import Actor
from engine.statuses import CHANNEL_NAMES as CHANNEL_NAMES  # a code to its channel
from storage.models import Dossier, Unit
from storage.record_models import Document
from storage.records import DocumentSealer

APPLICANT_FIELDS = ("full_name", "id_number", "address", "phone", "email")
#: What Mẫu 01 records of an employer beside APPLICANT_FIELDS (engine.applicants).
EMPLOYER_FIELDS = ("kind", "tax_code", "unit_code", "contact_name")


@dataclass(frozen=True, slots=True)
class FormSet:
    name: str
    titles: Mapping[str, str]


FORM_SET = FormSet(
    name="Thông tư 03/2025/TT-VPCP",
    titles={
        "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        "04": "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
        "05": "Thông báo dừng giải quyết hồ sơ",
        "06": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        "07": "Sổ theo dõi hồ sơ",
    },
)
RECEIPT = "01"
APOLOGY = "04"
STOP_NOTICE = "05"
#: Result documents (not numbered forms of the set): their titles as printed.
RESULT_TITLES = {"quyet_dinh": "Quyết định", "thong_bao": "Thông báo"}


class DocumentStore(Protocol):
    def add(self, document: Document) -> None: ...
    def for_dossier(self, dossier_id: int) -> Sequence[Document]: ...
    def next_sequence(self, unit_code: str, form: str, year: int) -> int: ...


class UnitLookup(Protocol):
    def get(self, code: str) -> Unit | None: ...


class OfficerNames(Protocol):
    def full_name(self, username: str) -> str | None:
        """The officer's full name: the account's now (live), the one the log printed (replay)."""


class DocumentSink(EventSink, outbound.OutboxSink, Protocol):
    """Where a document is issued: the unit of work, or a replay's scratch copy."""

    @property
    def documents(self) -> DocumentStore: ...
    @property
    def units(self) -> UnitLookup: ...
    @property
    def users(self) -> OfficerNames: ...
    @property
    def sealer(self) -> DocumentSealer | None:
        """Numbers, renders and signs each document (engine.issuing), or None."""


def issue(
    store: DocumentSink,
    dossier: Dossier,
    form: str,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    now: datetime,
    bpmn_id: str | None,
    corrects: Document | None = None,
) -> Document:
    """Issue form `form` of `FORM_SET` (or a result, `RESULT_TITLES`) for `dossier` with
    content `data` (JSON values), as a signed PDF when the store has a sealer. `corrects`: the
    document this one replaces (`engine.step.corrections`); it stays as it was issued.

    The officer every form names (the receiver of Mẫu 01, the signer of Mẫu 04 and of a result,
    the officer of Mẫu 02/03) is the actor: the content keeps their full name as it is now
    (`officer_name`), so that renaming the account later changes no issued document. A
    correction keeps the name of the document it replaces (it corrects that document)."""
    officer_name = store.users.full_name(actor.username)
    if officer_name and "officer_name" not in data:
        data = {**data, "officer_name": officer_name}
    document = Document(
        dossier_id=dossier.id,
        form=form,
        template=form if form in RESULT_TITLES else f"mau_{form}",
        title=RESULT_TITLES.get(form) or FORM_SET.titles[form],
        form_set=FORM_SET.name,
        issued_at=now,
        issued_by=actor.username,
        unit_code=actor.unit_code or dossier.unit_code,
        data=dict(data),
        corrects=corrects.id if corrects is not None else None,
    )
    if store.sealer is not None:
        store.sealer.seal(document, store.documents)
    store.documents.add(document)
    payload = DocumentIssued(
        form=form,
        title=document.title,
        form_set=document.form_set,
        unit=document.unit_code,
        data=document.data,
    )
    if document.sha256 is not None:  # what `audit verify` and `documents verify` check
        payload["template"] = str(document.template)
        payload["number"] = str(document.number)
        payload["sequence"] = int(document.sequence or 0)
        payload["year"] = int(document.year or 0)
        payload["sha256"] = document.sha256
    if corrects is not None:
        payload["corrects"] = str(corrects.number)
    event = events.record_for_dossier(
        store,
        dossier,
        EventType.DOCUMENT_ISSUED,
        actor=actor,
        now=now,
        bpmn_id=bpmn_id,
        payload=payload,
    )
    outbound.document_issued(store, dossier, document, event)
    return document


def issued(store: DocumentSink, dossier: Dossier, form: str) -> Document | None:
    """The dossier's first document of `form`, if any was issued."""
    return next((d for d in store.documents.for_dossier(dossier.id) if d.form == form), None)


def receipt_content(
    store: DocumentSink,
    dossier: Dossier,
    model: ProcedureModel,
    *,
    documents_received: Any,
    received_by: str,
    now: datetime,
) -> dict[str, Any]:
    """What Mẫu 01 says when it is issued: the appointment is the one set at acceptance."""
    unit = store.units.get(dossier.unit_code)
    return {
        **header(dossier, model, unit),
        "applicant": _applicant(dossier.applicant),
        "documents_received": list(documents_received or []),
        "received_at": events.format_time(now),
        "counted_from": _time(dossier.counted_from),
        "received_by": received_by,
        "sla": dossier.sla,
        "appointment_at": _time(dossier.due_at),
        "channel": CHANNEL_NAMES[dossier.channel],
        "return_channel": CHANNEL_NAMES[dossier.return_channel],
        "calendar_version": dossier.calendar_version,
    }


def apology_content(
    store: DocumentSink, dossier: Dossier, model: ProcedureModel, record: Mapping[str, Any]
) -> dict[str, Any]:
    """What Mẫu 04 says: the delay's reason, the apology and the one new appointment."""
    unit = store.units.get(dossier.unit_code)
    return {
        **header(dossier, model, unit),
        "applicant_name": dossier.applicant.get("full_name"),
        **_employer_kind(dossier.applicant),
        "received_at": _time(dossier.received_at),
        "previous_due_at": record["previous_due_at"],
        "new_due_at": record["new_due_at"],
        "reason": record["reason"],
        "apology": record.get("apology"),
        "signed_by": record["by"],
        "latest_issue_day": record.get("latest_issue_day"),
        "issued_late": bool(record.get("issued_late")),
    }


def stop_content(
    store: DocumentSink,
    dossier: Dossier,
    model: ProcedureModel,
    stopped: HandlingStopped,
    *,
    signed_by: str,
) -> dict[str, Any]:
    """What Mẫu 05 says: the dossier received on which day, why its handling stops and on
    which legal basis (R-2.9)."""
    unit = store.units.get(dossier.unit_code)
    return {
        **header(dossier, model, unit),
        "applicant_name": dossier.applicant.get("full_name"),
        **_employer_kind(dossier.applicant),
        "received_at": _time(dossier.received_at),
        "reason": stopped["reason"],
        "legal_basis": list(stopped["legal_basis"]),
        "signed_by": signed_by,
    }


def _time(moment: datetime | None) -> str | None:
    return events.format_time(moment) if moment is not None else None


def _applicant(applicant: Mapping[str, Any]) -> dict[str, Any]:
    """The applicant as Mẫu 01 records it: a person's fields as they always were; an employer's
    with its tax code, BHXH unit code and contact."""
    keys: tuple[str, ...] = APPLICANT_FIELDS
    if kind_of(applicant) == APPLICANT_EMPLOYER:
        keys += EMPLOYER_FIELDS
    return {key: applicant.get(key) for key in keys}


def _employer_kind(applicant: Mapping[str, Any]) -> dict[str, Any]:
    """`applicant_kind` for an employer's letter (addressed by name, not Ông/Bà); nothing for a
    person, whose content stays as it always was."""
    employer = kind_of(applicant) == APPLICANT_EMPLOYER
    return {"applicant_kind": APPLICANT_EMPLOYER} if employer else {}
