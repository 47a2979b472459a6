"""Reads of the documents of record a dossier was issued (Mẫu 01 receipt, Mẫu 04 letter): served
as issued, from the document's stored content, never rebuilt from the dossier as it is now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.context import EngineContext
from engine.errors import InvalidStateError, NotFoundError
from engine.records import APOLOGY, RECEIPT
from engine.results import DocumentView, ReceiptView
from engine.security.authz import Actor, ensure_can_read_dossier
from storage.record_models import Document
from storage.uow import UnitOfWork


def get_receipt(ctx: EngineContext, actor: Actor, code: str) -> ReceiptView:
    """Mẫu 01 of an accepted dossier as it was issued, for its owner, officers of its unit and
    auditors.

    Raises:
        InvalidStateError: the dossier has not been received (accepted) yet.
    """
    with ctx.uow(write=False) as uow:
        document = _document(uow, actor, code, RECEIPT, "has not been received yet: no Mẫu 01")
        return _receipt(document)


def _receipt(document: Document) -> ReceiptView:
    data = document.data
    return ReceiptView(
        form=document.form,
        title=document.title,
        form_set=document.form_set,
        issued_at=document.issued_at,
        code=data["code"],
        procedure=data["procedure"],
        procedure_code=data.get("procedure_code"),
        procedure_name=data["procedure_name"],
        unit_code=data["unit_code"],
        unit_name=data.get("unit_name") or "",
        applicant=dict(data["applicant"]),
        documents_received=list(data["documents_received"]),
        received_at=_time(data["received_at"]) or document.issued_at,
        received_by=data["received_by"],
        sla=data.get("sla"),
        appointment_at=_time(data.get("appointment_at")),
        channel=data["channel"],
        return_channel=data["return_channel"],
        calendar_version=data.get("calendar_version"),
    )


def get_reappointment(ctx: EngineContext, actor: Actor, code: str) -> DocumentView:
    """Mẫu 04 of a re-appointed dossier as it was issued (the apology and the new appointment).

    Raises:
        InvalidStateError: the dossier has had no re-appointment.
    """
    with ctx.uow(write=False) as uow:
        document = _document(uow, actor, code, APOLOGY, "has no new appointment: no Mẫu 04")
        return DocumentView(
            form=document.form,
            title=document.title,
            form_set=document.form_set,
            issued_at=document.issued_at,
            issued_by=document.issued_by,
            unit_code=document.unit_code,
            data=dict(document.data),
        )


def _document(uow: UnitOfWork, actor: Actor, code: str, form: str, missing: str) -> Document:
    dossier = uow.dossiers.by_code(code)
    if dossier is None:
        raise NotFoundError(f"no dossier {code}")
    ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
    found = next((d for d in uow.documents.for_dossier(dossier.id) if d.form == form), None)
    if found is None:
        raise InvalidStateError(f"dossier {code} {missing}")
    return found


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
