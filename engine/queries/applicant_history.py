"""What an applicant may see of their dossier's history (the portal's timeline, issue 15): each
status change with its time, a withdrawal's or a stop's reason, when supplements were handed in,
and the satisfaction rating given so far (R-2.7). Read from the event log, like the notices of
`engine.notices`, so each entry keeps the time it happened; nothing about officers (who claimed,
who read) is in it. Authorised like the dossier itself (`ensure_can_read_dossier`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import NotFoundError
from engine.event_types import EventType
from engine.procedures.model import ProcedureModel
from engine.security.authz import Actor, ensure_can_read_dossier
from storage.audit import EventRow


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    #: status | supplement_submitted | withdrawn | stopped
    kind: str
    #: The DVCQG status reached (kind `status`).
    status: int | None = None
    #: A withdrawal's or a stop's reason, as recorded.
    reason: str | None = None
    #: A stop's legal basis (Mẫu 05).
    legal_basis: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GivenRating:
    #: criterion -> level, every criterion rated so far.
    ratings: dict[str, str]
    comments: list[str]
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class ApplicantHistory:
    code: str
    entries: list[HistoryEntry]
    #: None until the applicant rated.
    rating: GivenRating | None
    #: The form schema of each step that told the applicant something (bpmn id -> schema of
    #: the pinned definition), so a page can name a choice (`direct` -> "Trực tiếp ...").
    step_forms: dict[str, Mapping[str, Any]] = field(default_factory=dict)


_KINDS = {
    EventType.STATUS_CHANGED: "status",
    EventType.SUPPLEMENT_SUBMITTED: "supplement_submitted",
    EventType.DOSSIER_WITHDRAWN: "withdrawn",
    EventType.HANDLING_STOPPED: "stopped",
}


def applicant_history(ctx: EngineContext, actor: Actor, code: str) -> ApplicantHistory:
    """The dossier's history as its applicant sees it, oldest first.

    Raises:
        NotFoundError: no such dossier.
        PermissionDeniedError: the actor may not read the dossier.
    """
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
        rows = [
            row for event_type in _KINDS for row in uow.audit.dossier_events(dossier.id, event_type)
        ]
        rated = uow.audit.dossier_events(dossier.id, EventType.SATISFACTION_RATED)
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None  # a dossier's definition is never deleted
        step_forms = _step_forms(
            uow.audit.dossier_events(dossier.id, EventType.TASK_COMPLETED),
            definition.forms,
            model_of(definition),
        )
    rows.sort(key=lambda row: row.seq)
    entries = []
    for row in rows:
        kind = _KINDS[EventType(row.type)]
        payload = row.payload
        entries.append(
            HistoryEntry(
                at=row.occurred_at,
                kind=kind,
                status=int(payload["to"]) if kind == "status" else None,
                reason=str(payload["reason"]) if "reason" in payload else None,
                legal_basis=[str(b) for b in payload.get("legal_basis", [])],
            )
        )
    return ApplicantHistory(code, entries, _rating(rated), step_forms)


def _step_forms(
    completions: Sequence[EventRow], forms: Mapping[str, Any], model: ProcedureModel
) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for row in completions:
        node = model.node(row.bpmn_id or "")
        schema = forms.get(node.form_key or "") if node is not None else None
        if node is not None and isinstance(schema, Mapping):
            found[node.bpmn_id] = schema
    return found


def _rating(rows: Sequence[EventRow]) -> GivenRating | None:
    """The criteria rated so far (each once, R-2.7), over every rating event."""
    if not rows:
        return None
    ratings: dict[str, str] = {}
    comments: list[str] = []
    for row in rows:
        ratings |= dict(row.payload.get("ratings", {}))
        if row.payload.get("comment"):
            comments.append(str(row.payload["comment"]))
    return GivenRating(ratings=ratings, comments=comments, rated_at=rows[-1].occurred_at)
