"""A dossier's report events folded into facts (`facts_of`), and those facts into the handling
report's projection (`storage.report_projection`; docs/reports.md, R-6.1): the moments its
figures are decided by, kept in the transaction that records the events (by folding only that
transaction's events onto the stored rows: `engine.report_increments`) and rebuilt from the
event log on demand (`rebuild`).

For any period, the SQL over the projection gives what `engine.queries.report_figures.classify`
gives over the same facts (`tests/integration/test_report_recomputation.py` checks both
against a plain loop over the log). It relies on two properties of the log: a dossier's events
are recorded in time order (appends to a chain are serialized and stamped with the server's
clock), and once a dossier's handling ended (status 3, 7, 8, 9 or 10) it does not start again.

Low in the engine's layers (the unit of work calls it from every transaction): it reads only
event types, statuses and storage."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.event_types import EventType
from engine.statuses import CHANNEL_NAMES, DossierStatus
from storage.report_projection import BATCH, ProjectedDossier, Span
from storage.reports import ReportEvent
from storage.uow import UnitOfWork

#: The statuses after which a dossier is no longer being handled.
HANDLED = frozenset(
    {
        DossierStatus.NOT_ACCEPTED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RESOLVED,
        DossierStatus.RETURNED,
    }
)
OUTCOMES = {
    DossierStatus.NOT_ACCEPTED: "refused",
    DossierStatus.WITHDRAWN: "withdrawn",
    DossierStatus.STOPPED: "stopped",
}
#: The events a dossier's figures depend on: its arrival, its statuses, its statutory due date.
REPORT_EVENTS = (
    EventType.DOSSIER_SUBMITTED,
    EventType.STATUS_CHANGED,
    EventType.DEADLINE_SET,
    EventType.DEADLINE_RECOMPUTED,
)


@dataclass(slots=True)
class DossierFacts:
    """What the events recorded (up to the cut-off) say about one dossier."""

    code: str
    unit: str
    procedure: str
    channel: str
    submitted_at: datetime | None = None
    #: (when, new status), in order.
    statuses: list[tuple[datetime, int]] = field(default_factory=list)
    #: (when, statutory due date as of then), in order: the appointment without Mẫu 04's move.
    dues: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    dossier_id: int = 0

    def status_before(self, moment: datetime) -> int:
        status = int(DossierStatus.SUBMITTED)
        for at, to in self.statuses:
            if at >= moment:
                break
            status = to
        return status

    def due_before(self, moment: datetime) -> datetime | None:
        due = None
        for at, value in self.dues:
            if at >= moment:
                break
            due = value
        return due


def facts_of(events: Iterable[ReportEvent]) -> Iterator[DossierFacts]:
    """Group a stream ordered by dossier (then event) into each dossier's facts."""
    current: DossierFacts | None = None
    current_id = -1
    for event in events:
        if event.dossier_id != current_id:
            if current is not None:
                yield current
            current_id = event.dossier_id
            current = DossierFacts(
                event.code,
                event.unit_code,
                event.procedure_key,
                CHANNEL_NAMES.get(event.channel, "direct"),
                dossier_id=event.dossier_id,
            )
        assert current is not None
        apply_event(current, event.type, event.occurred_at, event.payload or {})
    if current is not None:
        yield current


def apply_event(facts: DossierFacts, kind: str, at: datetime, payload: dict[str, Any]) -> None:
    if kind == EventType.DOSSIER_SUBMITTED:
        facts.submitted_at = at
    elif kind == EventType.STATUS_CHANGED:
        facts.statuses.append((at, int(payload.get("to", 0))))
    elif kind == EventType.DEADLINE_SET:
        facts.dues.append((at, instant(payload.get("due_at"))))
    elif kind == EventType.DEADLINE_RECOMPUTED:
        facts.dues.append((at, instant(payload.get("original_due_at"))))


def instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def timeliness_of(resolved: datetime, due: datetime | None, tz: ZoneInfo) -> str:
    """Early, on time or late by local dates against the statutory due date (R-2.5: Mẫu 04's
    new appointment does not make a late dossier on time). No due date: on time."""
    if due is None:
        return "on_time"
    resolved_day, due_day = resolved.astimezone(tz).date(), due.astimezone(tz).date()
    if resolved_day < due_day:
        return "early"
    return "on_time" if resolved_day == due_day else "late"


REPORT_TYPES = tuple(str(t) for t in REPORT_EVENTS)
WAITS = {
    int(DossierStatus.SUPPLEMENT_REQUESTED): "supplement",
    int(DossierStatus.FINANCIAL_OBLIGATION): "fee",
}


def project(facts: DossierFacts, dossier_id: int, tz: ZoneInfo) -> ProjectedDossier | None:
    """The projection row of one dossier (None: no submission recorded, it counts nowhere)."""
    if facts.submitted_at is None:
        return None
    handled_at = outcome = timeliness = returned_at = None
    waits: list[Span] = []
    statuses = facts.statuses
    for n, (at, to) in enumerate(statuses):
        if handled_at is None and to in HANDLED:
            handled_at = at
            if to in OUTCOMES:
                outcome = OUTCOMES[DossierStatus(to)]
            else:
                outcome = "resolved"
                timeliness = timeliness_of(at, facts.due_before(at), tz)
        if to == DossierStatus.RETURNED and returned_at is None:
            returned_at = at
        if to in WAITS:
            ends = statuses[n + 1][0] if n + 1 < len(statuses) else None
            waits.append(Span(WAITS[to], at, ends))
    dues = [
        Span(due, at, facts.dues[n + 1][0] if n + 1 < len(facts.dues) else None)
        for n, (at, due) in enumerate(facts.dues)
    ]
    last_status = statuses[-1][1] if statuses else int(DossierStatus.SUBMITTED)
    since = max([facts.submitted_at, *(at for at, _ in statuses), *(at for at, _ in facts.dues)])
    return ProjectedDossier(
        dossier_id=dossier_id,
        code=facts.code,
        unit_code=facts.unit,
        procedure_key=facts.procedure,
        channel=facts.channel,
        submitted_at=facts.submitted_at,
        handled_at=handled_at,
        outcome=outcome,
        timeliness=timeliness,
        returned_at=returned_at,
        current_wait=WAITS.get(last_status),
        current_due_at=facts.dues[-1][1] if facts.dues else None,
        state_since=since,
        waits=waits,
        dues=dues,
    )


def projected(uow: UnitOfWork, dossier_ids: Sequence[int], tz: ZoneInfo) -> list[ProjectedDossier]:
    """The projection of these dossiers folded from all their events in the log."""
    stream = uow.reports.stream_dossiers(dossier_ids, REPORT_TYPES)
    found = [project(facts, facts.dossier_id, tz) for facts in facts_of(stream)]
    return [p for p in found if p is not None]


def rebuild(uow: UnitOfWork, tz: ZoneInfo, progress: Callable[[int], None] | None = None) -> int:
    """Replace the whole projection by the fold of the event log, `BATCH` dossiers at a time
    (the caller commits). Returns how many dossiers it holds."""
    uow.report_projection.clear()
    ids = uow.report_projection.dossier_ids()
    held = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        folded = projected(uow, batch, tz)
        uow.report_projection.add(folded)
        held += len(folded)
        if progress is not None:
            progress(len(batch))
    return held
