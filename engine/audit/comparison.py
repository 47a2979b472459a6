"""Compare a dossier rebuilt by replay with its stored rows, field by field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit.results import Mismatch
from engine.events import format_time
from storage.models import Dossier, DossierFile, WorkItem
from storage.record_models import Document

#: Compared between the replayed and the stored dossier, and for every work item.
DOSSIER_FIELDS = (
    "procedure_key",
    "definition_id",
    "unit_code",
    "owner_user_id",
    "applicant",
    "channel",
    "return_channel",
    "submission",
    "data",
    "status",
    "status_changed_at",
    "submitted_at",
    "received_at",
    "due_at",
    "resolved_at",
    "finished_at",
    "updated_at",
    "sla",
    "supplement_clock",
    "counted_from",
    "clock_budget",
    "clock_paused_at",
    "original_due_at",
    "reappointment",
    "overdue_warned_at",
    "timeliness",
    "calendar_version",
)
WORK_ITEM_FIELDS = (
    "bpmn_id",
    "name",
    "role",
    "unit_code",
    "form_key",
    "status",
    "claimed_by_id",
    "claimed_by_username",
    "claimed_at",
    "created_at",
    "due_at",
    "completed_at",
    "completed_by_username",
    "outcome",
    "timeliness",
)
FILE_FIELDS = ("name", "size", "content_type", "uploaded_at", "uploaded_by")
DOCUMENT_FIELDS = (
    "form",
    "title",
    "form_set",
    "issued_at",
    "issued_by",
    "unit_code",
    "data",
    "template",
    "year",
    "sequence",
    "number",
    "snapshot",
    "sha256",
)


@dataclass(frozen=True, slots=True)
class DossierRecords:
    """A dossier's rows as stored, or as a replay rebuilt them."""

    dossier: Dossier
    tasks: Sequence[WorkItem]
    files: Sequence[DossierFile]
    documents: Sequence[Document]


def compare(replayed: DossierRecords, stored: DossierRecords) -> list[Mismatch]:
    found = _differences("dossier", replayed.dossier, stored.dossier, DOSSIER_FIELDS)
    found += _collection(
        "tasks",
        {t.id: t for t in replayed.tasks},
        {t.id: t for t in stored.tasks},
        WORK_ITEM_FIELDS,
    )
    found += _collection(
        "files",
        {f.sha256: f for f in replayed.files},
        {f.sha256: f for f in stored.files},
        FILE_FIELDS,
    )
    found += _collection(
        "documents", _numbered(replayed.documents), _numbered(stored.documents), DOCUMENT_FIELDS
    )
    return found


def _numbered(documents: Sequence[Document]) -> dict[str, Document]:
    """Documents keyed by form and order of issue (`01#1`, `04#1`, ...)."""
    keyed: dict[str, Document] = {}
    for document in documents:
        count = sum(1 for key in keyed if key.startswith(f"{document.form}#")) + 1
        keyed[f"{document.form}#{count}"] = document
    return keyed


def _collection(
    label: str, mine: dict[str, Any], theirs: dict[str, Any], fields: Sequence[str]
) -> list[Mismatch]:
    found: list[Mismatch] = []
    for key in sorted(mine.keys() | theirs.keys()):
        if key not in theirs:
            found.append(Mismatch(f"{label}[{key}]", "recorded", None))
        elif key not in mine:
            found.append(Mismatch(f"{label}[{key}]", None, "stored"))
        else:
            found += _differences(f"{label}[{key}]", mine[key], theirs[key], fields)
    return found


def _differences(label: str, mine: Any, theirs: Any, fields: Sequence[str]) -> list[Mismatch]:
    return [
        Mismatch(f"{label}.{name}", a, b)
        for name in fields
        if (a := _plain(getattr(mine, name))) != (b := _plain(getattr(theirs, name)))
    ]


def _plain(value: Any) -> Any:
    """A JSON value, so stored and replayed compare the same way whatever their Python types."""
    if isinstance(value, datetime):
        return format_time(value)
    return json.loads(json.dumps(value, sort_keys=True, default=str))
