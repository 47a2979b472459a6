"""Documents of record over the API and the CLI (issue 14): a dossier's issued documents, one
document as its signed PDF or printable HTML, corrections, Mẫu 06 (process-control slip) on
demand, and verifying stored documents against the audit chain. Mẫu 07 (the unit's tracking
book) is `engine.services.tracking_book`.

Every read is authorised like the dossier (the applicant sees theirs, officers their unit's,
auditors all) and logged (SEC-5): a dossier's documents on its chain (`dossier_read`), the
tracking book on the system chain (`tracking_book_read`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import events
from engine.context import EngineContext
from engine.errors import (
    FieldError,
    InvalidStateError,
    NotFoundError,
    ValidationFailedError,
)
from engine.event_types import DocumentCorrected, EventType
from engine.events import dossier_chain
from engine.issuing import corrections
from engine.issuing.data import PLACE, fit
from engine.issuing.handovers import handovers
from engine.security.authz import (
    Actor,
    ensure_can_correct_documents,
    ensure_can_read_dossier,
)
from engine.services.reads import log_read
from engine.step import corrections as step_corrections
from engine.transactions import conflicts_as_errors
from storage.audit_models import Event
from storage.models import Dossier
from storage.record_models import Document
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    id: int
    form: str
    template: str | None
    number: str | None
    title: str
    issued_at: datetime
    issued_by: str
    unit_code: str
    sha256: str | None
    #: The id of the document this one corrects, and of the one that corrects it, if any.
    corrects: int | None = None
    corrected_by: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentFile:
    document: IssuedDocument
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class StoredCheck:
    """One stored document checked: its PDF against its recorded SHA-256 and the audit chain."""

    dossier_code: str
    document: IssuedDocument
    problems: list[str]


def list_documents(ctx: EngineContext, actor: Actor, code: str) -> list[IssuedDocument]:
    """The documents issued for dossier `code`, oldest first (logged)."""
    with ctx.uow(write=False) as uow:
        dossier = _readable(uow, actor, code)
        issued = uow.documents.for_dossier(dossier.id)
        successors = {d.corrects: d.id for d in issued if d.corrects is not None}
        found = [_view(d, successors.get(d.id)) for d in issued]
    log_read(ctx, actor, code, "documents")
    return found


def correct_document(
    ctx: EngineContext,
    actor: Actor,
    code: str,
    document_id: int,
    fields: Mapping[str, Any],
    reason: str,
) -> IssuedDocument:
    """Issue a correction of dossier `code`'s document `document_id`: a new document of the
    same form and sequence with `fields` corrected, saying which document it replaces and why.
    The corrected document stays as issued. For leaders of the dossier's unit.

    Raises:
        NotFoundError: no such dossier, or the dossier has no such document.
        InvalidStateError: the document was corrected already (correct its correction), or was
            issued before documents were signed PDFs.
        ValidationFailedError: no reason, no change, or a field the form cannot print (named
            `fields.<name>`).
    """
    from engine.documents import catalogue
    from engine.documents.values import check

    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code, for_update=True)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        ensure_can_correct_documents(actor, dossier.unit_code)
        issued = uow.documents.for_dossier(dossier.id)
        old = next((d for d in issued if d.id == document_id), None)
        if old is None:
            raise NotFoundError(f"dossier {code} has no document {document_id}")
        if old.snapshot is None or old.template is None or old.number is None:
            raise InvalidStateError(
                f"document {document_id} was issued before documents were signed PDFs"
            )
        later = next((d for d in issued if d.corrects == old.id), None)
        if later is not None:
            raise InvalidStateError(
                f"document {old.number} was corrected already by {later.number} "
                f"(id {later.id}): correct that one"
            )
        now = ctx.clock.now()
        changes = _corrections_checked(old, fields, reason)
        # What the correction will print, checked as the renderer will (a placeholder number).
        trial = corrections.snapshot(
            corrections.content(code, old.snapshot, changes, reason.strip()),
            number=str(old.number),
            issued_on=now.astimezone(ctx.tz).date(),
        )
        spec = catalogue().get(old.template)
        if spec is None:
            raise InvalidStateError(f"the form {old.template} is no longer in the catalogue")
        try:
            check(old.template, trial, spec.fields)
        except ValidationFailedError as exc:
            raise ValidationFailedError(
                "the corrected document cannot be printed",
                [_field_of_correction(e) for e in exc.errors],
            ) from None
        document = step_corrections.correct_document(
            uow,
            dossier,
            DocumentCorrected(
                template=old.template, number=old.number, reason=reason.strip(), fields=changes
            ),
            actor=actor,
            now=now,
        )
        uow.commit()
        return _view(document)


def _corrections_checked(old: Document, fields: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """The changed fields of a correction of `old`; ValidationFailedError names each bad one."""
    errors: list[FieldError] = []
    if not reason.strip():
        errors.append(FieldError("reason", "say why the document is corrected"))
    printed = corrections.form_fields(old.snapshot or {})
    for name in fields:
        if name in corrections.SYSTEM_FIELDS:
            errors.append(FieldError(f"fields.{name}", "is set by the system, not corrected"))
    changes = {
        k: v
        for k, v in fields.items()
        if k not in corrections.SYSTEM_FIELDS and printed.get(k) != v
    }
    if not errors and not changes:
        errors.append(FieldError("fields", "change at least one field of the document"))
    if errors:
        raise ValidationFailedError("the correction is not valid", errors)
    return changes


def _field_of_correction(error: FieldError) -> FieldError:
    """A problem of the corrected document, named as the request names it."""
    if error.field.startswith("replaces.reason"):
        return FieldError("reason", error.message)
    return FieldError(f"fields.{error.field}", error.message)


def read_document(
    ctx: EngineContext, actor: Actor, code: str, document_id: int, *, html: bool
) -> DocumentFile:
    """One document: its signed PDF as issued, or the printable HTML view rendered from its
    snapshot (logged)."""
    with ctx.uow(write=False) as uow:
        dossier = _readable(uow, actor, code)
        document = uow.documents.with_pdf(document_id)
        if document is None or document.dossier_id != dossier.id:
            raise NotFoundError(f"dossier {code} has no document {document_id}")
        if document.pdf is None or document.snapshot is None or document.template is None:
            raise InvalidStateError(
                f"document {document_id} was issued before documents were signed PDFs"
            )
        view = _view(document)
        pdf, snapshot, template = document.pdf, dict(document.snapshot), document.template
    name = f"{code}-{template}-{view.id}"
    log_read(ctx, actor, code, "document", document_id=document_id, html=html)
    if html:
        from engine.documents import render_html

        page = ctx.renders.get_or_make(  # the snapshot never changes: neither does its view
            ("html", view.id, view.sha256),
            lambda: render_html(template, snapshot).encode("utf-8"),
        )
        return DocumentFile(view, page, "text/html; charset=utf-8", name + ".html")
    return DocumentFile(view, pdf, "application/pdf", name + ".pdf")


def control_slip(ctx: EngineContext, actor: Actor, code: str, *, html: bool = False) -> bytes:
    """Mẫu 06, the process-control slip, made now from the dossier's handovers (not stored):
    a signed PDF, or its printable HTML view. Cached until the dossier's next event (a read
    does not count) or the next day (its date), `engine.issuing.render_cache`."""
    with ctx.uow(write=False) as uow:
        dossier = _readable(uow, actor, code)
        if dossier.received_at is None:
            raise InvalidStateError(f"dossier {code} has not been received yet: no Mẫu 06")
        now = ctx.clock.now()
        last = uow.events.last_seq_except(dossier_chain(code), (EventType.DOSSIER_READ,))
        key = ("mau_06", code, last, now.astimezone(ctx.tz).date(), html)
        slip = ctx.renders.get_or_make(key, lambda: _render_slip(ctx, uow, dossier, now, html))
    log_read(ctx, actor, code, "control_slip")
    return slip


def _render_slip(
    ctx: EngineContext, uow: UnitOfWork, dossier: Dossier, now: datetime, html: bool
) -> bytes:
    from engine.documents import render_html, render_pdf, sign

    code, received = dossier.code, dossier.received_at
    assert received is not None  # control_slip refuses a dossier not received
    unit = uow.units.get(dossier.unit_code)
    unit_name = unit.name if unit is not None else dossier.unit_code
    items = list(uow.work_items.history_for_dossier(dossier.id))
    log = uow.events.for_chain(dossier_chain(code))
    names = {u.code: u.name for u in uow.units.all()}
    applicant_name = str(dossier.applicant.get("full_name") or "(không rõ)")
    data = fit(  # what an applicant or officer typed never blocks the slip
        {
            **_common(unit_name, dossier.unit_code, f"{code}/PKS", now, ctx),
            "dossier_code": code,
            "applicant_name": applicant_name,
            "procedure": _procedure_name(uow, dossier),
            "received_at": events.format_time(received),
            "appointment_at": events.format_time(dossier.due_at or received),
            "handovers": handovers(
                log,
                items,
                names,
                applicant_name,
                result_timeliness=dossier.timeliness,
                officer_names=_officer_names(uow, log),
            ),
        }
    )
    if html:
        return render_html("mau_06", data).encode("utf-8")
    return sign(
        render_pdf("mau_06", data), ctx.signers.signer_for(dossier.unit_code, unit_name, now)
    )


def _officer_names(uow: UnitOfWork, log: Sequence[Event]) -> dict[str, str]:
    """The full names (as they are now: the slip is made now) of the accounts that acted."""
    usernames = {e.actor_username for e in log if e.actor_username}
    usernames |= {str(e.payload["officer"]) for e in log if e.payload.get("officer")}
    found = {name: uow.users.full_name(name) for name in sorted(usernames)}
    return {name: full for name, full in found.items() if full}


def verify_stored(ctx: EngineContext, code: str | None = None) -> list[StoredCheck]:
    """Check every stored document (or dossier `code`'s): its PDF hashes to its SHA-256, that
    SHA-256 is the one its `document_issued` event recorded, and the signature is valid."""
    from engine.documents import verify

    roots = ctx.signers.trust_roots()
    checks: list[StoredCheck] = []
    with ctx.uow(write=False, snapshot=True) as uow:
        only = uow.dossiers.by_code(code) if code is not None else None
        if code is not None and only is None:
            raise NotFoundError(f"no dossier {code}")
        codes: dict[int, str] = {}
        recorded: dict[str, set[str]] = {}
        for document in uow.documents.with_pdfs(only.id if only is not None else None):
            if document.dossier_id not in codes:
                dossier = uow.dossiers.get(document.dossier_id)
                codes[document.dossier_id] = dossier.code if dossier is not None else "?"
            dossier_code = codes[document.dossier_id]
            if dossier_code not in recorded:
                recorded |= _recorded_hashes(uow, {dossier_code})
            problems = []
            pdf = document.pdf or b""
            actual = hashlib.sha256(pdf).hexdigest()
            if actual != document.sha256:
                problems.append("the stored PDF differs from the one issued (SHA-256)")
            if document.sha256 not in recorded.get(dossier_code, set()):
                problems.append("the audit chain records no document with this SHA-256")
            result = verify(pdf, roots)
            problems += [f"signature: {p}" for p in result.problems]
            checks.append(StoredCheck(dossier_code, _view(document), problems))
    return checks


def _recorded_hashes(uow: UnitOfWork, codes: set[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for code in codes:
        found[code] = {
            str(e.payload["sha256"])
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type == EventType.DOCUMENT_ISSUED and "sha256" in e.payload
        }
    return found


def _readable(uow: UnitOfWork, actor: Actor, code: str) -> Dossier:
    dossier = uow.dossiers.by_code(code)
    if dossier is None:
        raise NotFoundError(f"no dossier {code}")
    ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
    return dossier


def _view(document: Document, corrected_by: int | None = None) -> IssuedDocument:
    return IssuedDocument(
        id=document.id,
        form=document.form,
        template=document.template,
        number=document.number,
        title=document.title,
        issued_at=document.issued_at,
        issued_by=document.issued_by,
        unit_code=document.unit_code,
        sha256=document.sha256,
        corrects=document.corrects,
        corrected_by=corrected_by,
    )


def _common(
    unit_name: str, unit_code: str, number: str, now: datetime, ctx: EngineContext
) -> dict[str, Any]:
    return {
        "unit_name": unit_name,
        "unit_code": unit_code,
        "place": PLACE,
        "issued_at": now.astimezone(ctx.tz).date().isoformat(),
        "number": number,
    }


def _procedure_name(uow: UnitOfWork, dossier: Dossier) -> str:
    definition = uow.definitions.get(dossier.definition_id)
    return definition.name if definition is not None and definition.name else dossier.procedure_key


def ensure_production_keys(ctx: EngineContext) -> None:
    """In production, refuse to start (SettingsError) unless every active unit has its signing
    key and the trust roots are configured, none of them a development certificate."""
    if not ctx.settings.is_production:
        return
    with ctx.uow(write=False) as uow:
        codes = [unit.code for unit in uow.units.all() if unit.active]
    ctx.signers.check_production(codes)


def recorded_issue(ctx: EngineContext, sha256: str) -> tuple[str, str] | None:
    """(dossier code, number) of the stored document with this SHA-256, if its dossier's audit
    chain recorded it as issued; None otherwise."""
    with ctx.uow(write=False) as uow:
        document = uow.documents.by_sha256(sha256)
        if document is None:
            return None
        dossier = uow.dossiers.get(document.dossier_id)
        if dossier is None:
            return None
        recorded = _recorded_hashes(uow, {dossier.code}).get(dossier.code, set())
        return (dossier.code, document.number or str(document.id)) if sha256 in recorded else None
