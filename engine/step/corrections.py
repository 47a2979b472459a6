"""The cause of a correction: an officer corrects an issued document of record (issue 14).

Live, the use case (`engine.services.documents.correct_document`) authorises and validates,
then calls `correct_document`; replay (`engine.audit.replay_handlers`) calls it again on its
scratch copy with the logged `document_corrected` payload. It records `document_corrected` (the
cause), then issues the correction through `engine.records.issue` (its `document_issued`, a
consequence, names the number it corrects). The corrected document is found by its template and
number, which replay knows as well as the live store (row ids exist only live).
"""

from __future__ import annotations

from datetime import datetime

from engine import events, records
from engine.errors import NotFoundError
from engine.event_types import DocumentCorrected, EventType
from engine.issuing import corrections
from engine.records import DocumentSink
from engine.security.authz import Actor
from storage.models import Dossier
from storage.record_models import Document


def corrected_document(
    store: DocumentSink, dossier: Dossier, template: str, number: str
) -> Document:
    """The dossier's issued document printed with `number` on `template`."""
    found = next(
        (
            d
            for d in store.documents.for_dossier(dossier.id)
            if d.template == template and d.number == number
        ),
        None,
    )
    if found is None or found.snapshot is None:
        raise NotFoundError(f"dossier {dossier.code} has no issued document {number}")
    return found


def correct_document(
    store: DocumentSink,
    dossier: Dossier,
    corrected: DocumentCorrected,
    *,
    actor: Actor,
    now: datetime,
) -> Document:
    """Issue the correction `corrected` describes; return the new document."""
    old = corrected_document(store, dossier, corrected["template"], corrected["number"])
    assert old.snapshot is not None  # corrected_document refuses a document without one
    events.record_for_dossier(
        store, dossier, EventType.DOCUMENT_CORRECTED, actor=actor, now=now, payload=corrected
    )
    content = corrections.content(
        dossier.code, old.snapshot, corrected["fields"], corrected["reason"]
    )
    return records.issue(
        store, dossier, old.form, content, actor=actor, now=now, bpmn_id=None, corrects=old
    )
