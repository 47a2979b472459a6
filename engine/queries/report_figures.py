"""The figures of the handling report (docs/reports.md) and which of them one dossier counts
in: its events folded into facts (`engine.report_projection.facts_of`), the facts classified
for a period (`classify`).
Pure: the report (`engine.queries.handling_report`) and the tests' independent recount use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.report_projection import HANDLED, OUTCOMES, DossierFacts, timeliness_of
from engine.statuses import DossierStatus

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
        if to in OUTCOMES:
            return [OUTCOMES[DossierStatus(to)]]
        return ["resolved", f"resolved_{timeliness_of(at, facts.due_before(at), period.tz)}"]
    status = facts.status_before(period.close)
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        return ["pending", "waiting_supplement"]
    if status == DossierStatus.FINANCIAL_OBLIGATION:
        return ["pending", "waiting_fee"]
    due = facts.due_before(period.close)
    if due is not None and due < period.close:
        return ["pending", "pending_overdue"]
    return ["pending", "pending_within_time"]
