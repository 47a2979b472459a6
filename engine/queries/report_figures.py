"""The figures of the handling report (docs/reports.md) and which of them one dossier counts
in: its events folded into facts (`facts_of`), the facts classified for a period (`classify`).
Pure: the report (`engine.queries.handling_report`) and the tests' independent recount use it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.event_types import EventType
from engine.records import CHANNEL_NAMES
from engine.statuses import DossierStatus
from storage.reports import ReportEvent

#: The figures, in the order of the report's columns. Totals are figures too (drill-down works
#: on every one): to_handle = carried_over + received; received = online + direct + postal;
#: resolved = early + on_time + late; pending = within_time + overdue + the two waits.
FIGURES = (
    "to_handle",
    "carried_over",
    "received",
    "received_online",
    "received_direct",
    "received_postal",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "stopped",
    "pending",
    "pending_within_time",
    "pending_overdue",
    "waiting_supplement",
    "waiting_fee",
    "returned",
)
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
_OUTCOME = {
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
MAX_PERIOD_DAYS = 366
REPORT_YEARS = range(2000, 3000)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end] in local days, as of the end of local day `as_of` (UTC instants derived
    once: the fold compares them for every dossier)."""

    start: date
    end: date
    as_of: date
    tz: ZoneInfo
    #: The period's first instant.
    first: datetime = field(init=False)
    #: Events before this instant count: those of `as_of` and before.
    cutoff: datetime = field(init=False)
    #: The end of the period (exclusive) as far as `as_of` sees it.
    close: datetime = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "first", _midnight(self.start, self.tz))
        object.__setattr__(self, "cutoff", _midnight(self.as_of + timedelta(days=1), self.tz))
        object.__setattr__(self, "close", _midnight(self.last_day + timedelta(days=1), self.tz))

    @property
    def last_day(self) -> date:
        """The period's last day as far as `as_of` sees it."""
        return min(self.end, self.as_of)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tz).astimezone(UTC)


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
        facts.dues.append((at, _instant(payload.get("due_at"))))
    elif kind == EventType.DEADLINE_RECOMPUTED:
        facts.dues.append((at, _instant(payload.get("original_due_at"))))


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def classify(facts: DossierFacts, period: Period) -> tuple[str, ...]:
    """The figures a dossier counts in for the period (empty: none)."""
    submitted = facts.submitted_at
    first, close = period.first, period.close
    if submitted is None or submitted >= close:
        return ()
    figures: list[str] = []
    returned = any(
        to == DossierStatus.RETURNED and first <= at < close for at, to in facts.statuses
    )
    if submitted < first:
        if facts.status_before(first) in HANDLED:
            return ("returned",) if returned else ()
        figures += ["to_handle", "carried_over"]
    else:
        figures += ["to_handle", "received", f"received_{facts.channel}"]
    figures += _outcome(facts, period)
    if returned:
        figures.append("returned")
    return tuple(figures)


def _outcome(facts: DossierFacts, period: Period) -> list[str]:
    for at, to in facts.statuses:
        if at < period.first or to not in HANDLED:
            continue
        if at >= period.close:
            break
        if to in _OUTCOME:
            return [_OUTCOME[DossierStatus(to)]]
        return ["resolved", f"resolved_{_timeliness(at, facts.due_before(at), period.tz)}"]
    status = facts.status_before(period.close)
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        return ["pending", "waiting_supplement"]
    if status == DossierStatus.FINANCIAL_OBLIGATION:
        return ["pending", "waiting_fee"]
    due = facts.due_before(period.close)
    if due is not None and due < period.close:
        return ["pending", "pending_overdue"]
    return ["pending", "pending_within_time"]


def _timeliness(resolved: datetime, due: datetime | None, tz: ZoneInfo) -> str:
    """Early, on time or late by local dates against the statutory due date (R-2.5: Mẫu 04's
    new appointment does not make a late dossier on time). No due date: on time."""
    if due is None:
        return "on_time"
    resolved_day, due_day = resolved.astimezone(tz).date(), due.astimezone(tz).date()
    if resolved_day < due_day:
        return "early"
    return "on_time" if resolved_day == due_day else "late"
