"""What a correction of a document of record says (issue 14): the corrected document's fields as
printed, with the fields an officer corrected, and which document it replaces and why.

An issued document never changes. A correction is a new document of the same form, numbered in
the same sequence (unit, form, year), whose `data` is the content below: the corrected form
fields in full (the old snapshot's, with the changes applied), the number and issue date of the
document it replaces, and the reason. `snapshot` turns that content into the template's data;
the `replaces` field prints, under the title, "Thay thế … số … ngày …" and the reason
(engine/documents/templates/common.typ). Both are pure, so replay rebuilds the same snapshot
from the logged content (`engine.issuing.sealers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

#: Fields the system sets on every form (forms.json `common_fields`) and the correction notice:
#: an officer corrects the form's own fields, never these.
SYSTEM_FIELDS = frozenset(
    {"agency", "unit_name", "unit_code", "number", "place", "issued_at", "replaces"}
)
#: Kept from the corrected document as it was printed (the issuing unit, place and agency).
KEPT_FIELDS = ("agency", "unit_name", "unit_code", "place")


def form_fields(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a printed document an officer may correct."""
    return {key: value for key, value in snapshot.items() if key not in SYSTEM_FIELDS}


def content(
    code: str, old_snapshot: Mapping[str, Any], changes: Mapping[str, Any], reason: str
) -> dict[str, Any]:
    """The content (`data`) of the correction of the document printed as `old_snapshot`."""
    return {
        "code": code,
        "unit_code": old_snapshot.get("unit_code"),
        "unit_name": old_snapshot.get("unit_name"),
        "corrects": {
            "number": old_snapshot["number"],
            "issued_at": old_snapshot["issued_at"],
        },
        "kept": {key: old_snapshot[key] for key in KEPT_FIELDS if key in old_snapshot},
        "reason": reason,
        "fields": {**form_fields(old_snapshot), **changes},
    }


def is_correction(content: Mapping[str, Any]) -> bool:
    return isinstance(content.get("corrects"), Mapping) and "fields" in content


def snapshot(content: Mapping[str, Any], *, number: str, issued_on: date) -> dict[str, Any]:
    """The template's data of the correction numbered `number`, issued on `issued_on`."""
    corrects = content["corrects"]
    return {
        **dict(content["fields"]),
        **dict(content.get("kept") or {}),
        "issued_at": issued_on.isoformat(),
        "number": number,
        "replaces": {
            "number": str(corrects["number"]),
            "issued_at": str(corrects["issued_at"]),
            "reason": str(content["reason"]),
        },
    }
