"""What the outbox is told of a dossier's change (docs/integration.md): a neutral snapshot,
written through the store a step writes to, in the transaction of the change.

The live unit of work's outbox writes one message per configured destination; a replay's scratch
store discards them (`engine.audit.scratch`), so replaying a dossier never sends anything. The
snapshot is neutral on purpose: each destination's adapter (`engine.peers`) maps it to its
peer's format at delivery, so a mapping error parks one message instead of failing the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from engine.events import format_time
from storage.audit_models import Event
from storage.models import Dossier
from storage.record_models import Document

STATUS_CHANGED = "status_changed"
DOCUMENT_ISSUED = "document_issued"


class OutboxWriter(Protocol):
    def add(
        self, *, kind: str, dossier_code: str, seq: int, payload: dict[str, Any], now: datetime
    ) -> None: ...


class OutboxSink(Protocol):
    """Where a step's outbound messages go: the unit of work, or a replay's scratch copy."""

    @property
    def outbox(self) -> OutboxWriter: ...


def status_changed(
    sink: OutboxSink,
    dossier: Dossier,
    event: Event,
    *,
    procedure_code: str | None,
    procedure_name: str | None = None,
) -> None:
    """The dossier's status is now `dossier.status` (event `event` recorded the change)."""
    _add(sink, STATUS_CHANGED, dossier, event, procedure_code, {}, procedure_name)


def document_issued(
    sink: OutboxSink,
    dossier: Dossier,
    document: Document,
    event: Event,
    *,
    procedure_code: str | None = None,
) -> None:
    """The dossier was issued `document` (event `event`)."""
    issued = {
        "form": document.form,
        "title": document.title,
        "number": document.number,
        "sha256": document.sha256,
    }
    _add(sink, DOCUMENT_ISSUED, dossier, event, procedure_code, {"document": issued})


def _add(
    sink: OutboxSink,
    kind: str,
    dossier: Dossier,
    event: Event,
    procedure_code: str | None,
    extra: dict[str, Any],
    procedure_name: str | None = None,
) -> None:
    sink.outbox.add(
        kind=kind,
        dossier_code=dossier.code,
        seq=event.seq,
        payload={
            "kind": kind,
            "event": event.seq,
            "occurred_at": format_time(event.occurred_at),
            "dossier": snapshot(dossier, procedure_code, procedure_name),
            **extra,
        },
        now=event.occurred_at,
    )


def snapshot(
    dossier: Dossier, procedure_code: str | None, procedure_name: str | None = None
) -> dict[str, Any]:
    """The dossier's fields a peer may show, as of this change."""
    return {
        "code": dossier.code,
        "procedure_key": dossier.procedure_key,
        "procedure_code": procedure_code,
        "procedure_name": procedure_name,
        "unit_code": dossier.unit_code,
        "channel": dossier.channel,
        "applicant_name": (dossier.applicant or {}).get("full_name"),
        "status": dossier.status,
        "submitted_at": _time(dossier.submitted_at),
        "received_at": _time(dossier.received_at),
        "due_at": _time(dossier.due_at),
        "resolved_at": _time(dossier.resolved_at),
        "finished_at": _time(dossier.finished_at),
    }


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None
