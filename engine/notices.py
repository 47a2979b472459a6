"""What the office has told the applicant of a dossier: from each completed step, the fields its
form marks `x-applicant-visible` (forms/visibility.py), read from the `task_completed` events.

Reading them from the event log rather than from the workflow's data keeps each notice with
the step and time that produced it (a second supplement request does not overwrite the first)
and lets a replay show exactly what the applicant could see after any event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from engine.procedures.model import ProcedureModel
from engine.results import NoticeField, NoticeView
from forms.visibility import ON_RESOLUTION, applicant_fields, field_title
from storage.audit import EventRow


def applicant_notices(
    completions: Sequence[EventRow],
    forms: Mapping[str, Mapping[str, Any]],
    model: ProcedureModel,
    resolved_at: datetime | None,
) -> list[NoticeView]:
    """`completions`: the dossier's `task_completed` events in order; `forms` and `model`: of
    the definition it is pinned to (a form a later version dropped shows nothing)."""
    last_of_step = {row.bpmn_id: row.seq for row in completions}
    notices = []
    for row in completions:
        form_key = row.payload.get("form")
        data = row.payload.get("data")
        schema = forms.get(form_key) if isinstance(form_key, str) else None
        if schema is None or not isinstance(data, Mapping):
            continue
        final = resolved_at is not None and last_of_step[row.bpmn_id] == row.seq
        fields = [
            NoticeField(field=name, title=field_title(schema, name), value=data[name])
            for name, moment in applicant_fields(schema).items()
            if name in data and (moment != ON_RESOLUTION or final)
        ]
        if fields:
            node = model.node(row.bpmn_id or "")
            notices.append(
                NoticeView(
                    step=row.bpmn_id or "",
                    name=node.name if node is not None else (row.bpmn_id or ""),
                    at=row.occurred_at,
                    fields=fields,
                )
            )
    return notices
