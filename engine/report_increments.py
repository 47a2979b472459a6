"""The handling report's projection kept in the transaction that records the events: the events
this flush wrote, folded onto what the projection already stores of their dossiers
(`projector`, which the unit of work calls after writing events).

Why not fold again from the log (as `engine.report_projection.rebuild` does): that re-read every
report event of the dossier and deleted and re-inserted its rows at every step, about 3 ms of CPU
per transaction (issue 20, measured with bench/profile_path.py). The fold is a left fold whose
state the rows already hold: a dossier's next events only need, besides their own type, time and
payload (in memory: the unit of work just wrote them),

- the `report_dossier` row: first handling and return, the current wait and due date, and
  `state_since` (the latest event's time);
- how many wait and due spans it has: the last one of each is the open one (a wait is open while
  it is the last status, a due span while it is the last due date), the next one's `seq`;
- for the timeliness of a resolution, the due date in force strictly before it: from this flush's
  dues, else the stored current one when it began strictly before (its start is at most
  `state_since`), else (a due date and the resolution at the same instant) the stored spans.

So one SELECT reads all that for every dossier of the flush, and the writes are an UPDATE of the
row, an UPDATE of the span the events closed, INSERTs of the spans they began.

A dossier with no row yet is folded from nothing when the flush holds its submission as the
first event of its chain (nothing of it can be in the log before); otherwise (a database from
before the projection, events recorded before a submission) from its whole log as before.
`tests/integration/test_report_increments.py` checks the result equals the rebuild after every
transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.event_types import EventType
from engine.report_projection import (
    HANDLED,
    OUTCOMES,
    REPORT_TYPES,
    WAITS,
    instant,
    projected,
    timeliness_of,
)
from engine.statuses import CHANNEL_NAMES, DossierStatus
from storage.audit_models import Event
from storage.report_increments import (
    MOVING,
    Changes,
    DossierFacts,
    NewSpan,
    SpanEnd,
    StoredDossier,
)
from storage.uow import UnitOfWork

_RETURNED = int(DossierStatus.RETURNED)


@dataclass(slots=True)
class _Fold:
    """One dossier's projection while this flush's events are applied to it."""

    row: dict[str, Any]
    #: Had a row before (UPDATE) or not (INSERT).
    stored: bool
    #: Spans stored before this flush, and all of them now (the next `seq`).
    stored_waits: int
    stored_dues: int
    waits: int
    dues: int
    #: `state_since` and `current_due_at` as stored (the due date in force before a moment).
    stored_since: datetime | None
    stored_due: datetime | None
    new_waits: list[NewSpan] = field(default_factory=list)
    new_dues: list[NewSpan] = field(default_factory=list)
    ended_waits: list[SpanEnd] = field(default_factory=list)
    ended_dues: list[SpanEnd] = field(default_factory=list)


def _from_row(stored: StoredDossier) -> _Fold:
    row = stored._asdict()
    waits, dues = row.pop("waits"), row.pop("dues")
    return _Fold(row, True, waits, dues, waits, dues, stored.state_since, stored.current_due_at)


def _fresh(dossier_id: int, facts: DossierFacts) -> _Fold:
    row: dict[str, Any] = dict.fromkeys(MOVING)
    row |= {
        "dossier_id": dossier_id,
        "code": facts.code,
        "unit_code": facts.unit_code,
        "procedure_key": facts.procedure_key,
        "channel": CHANNEL_NAMES.get(facts.channel, "direct"),
    }
    return _Fold(row, False, 0, 0, 0, 0, None, None)


class _Folder:
    """Applies events to folds; what `engine.report_projection.project` computes from the whole
    list, step by step (the same order: by event id)."""

    def __init__(self, uow: UnitOfWork, tz: ZoneInfo) -> None:
        self.uow = uow
        self.tz = tz

    def apply(self, fold: _Fold, event: Event) -> None:
        at = _utc(event.occurred_at)
        row = fold.row
        kind = event.type
        payload = event.payload or {}
        if kind == EventType.DOSSIER_SUBMITTED:
            row["submitted_at"] = at
        elif kind == EventType.STATUS_CHANGED:
            self._status(fold, at, int(payload.get("to", 0)))
        elif kind == EventType.DEADLINE_SET:
            self._due(fold, at, instant(payload.get("due_at")))
        elif kind == EventType.DEADLINE_RECOMPUTED:
            self._due(fold, at, instant(payload.get("original_due_at")))
        else:
            return
        since = row["state_since"]
        row["state_since"] = at if since is None or at > since else since

    def _status(self, fold: _Fold, at: datetime, to: int) -> None:
        row = fold.row
        if row["current_wait"] is not None:  # the last status was a wait: this one ends it
            _end(fold.new_waits, fold.ended_waits, row["dossier_id"], fold.waits - 1, at)
        if row["handled_at"] is None and to in HANDLED:
            row["handled_at"] = at
            if to in OUTCOMES:
                row["outcome"] = OUTCOMES[DossierStatus(to)]
            else:
                row["outcome"] = "resolved"
                row["timeliness"] = timeliness_of(at, self._due_before(fold, at), self.tz)
        if to == _RETURNED and row["returned_at"] is None:
            row["returned_at"] = at
        wait = WAITS.get(to)
        if wait is not None:
            fold.new_waits.append(NewSpan(row["dossier_id"], fold.waits, wait, at, None))
            fold.waits += 1
        row["current_wait"] = wait

    @staticmethod
    def _due(fold: _Fold, at: datetime, due: datetime | None) -> None:
        dossier_id = fold.row["dossier_id"]
        if fold.dues:  # the due date in force until now ends
            _end(fold.new_dues, fold.ended_dues, dossier_id, fold.dues - 1, at)
        fold.new_dues.append(NewSpan(dossier_id, fold.dues, due, at, None))
        fold.dues += 1
        fold.row["current_due_at"] = due

    def _due_before(self, fold: _Fold, moment: datetime) -> datetime | None:
        """The due date the events strictly before `moment` left: `DossierFacts.due_before`
        over the stored spans, then this flush's."""
        due: datetime | None = None
        if fold.stored_dues:
            if fold.stored_since is not None and fold.stored_since < moment:
                due = fold.stored_due  # every stored span began by `state_since`
            else:
                for at, value in self.uow.report_increments.dues(fold.row["dossier_id"]):
                    if at >= moment:
                        return due
                    due = value
        for span in fold.new_dues:
            if span.from_at >= moment:
                break
            due = span.value
        return due


def _end(new: list[NewSpan], ended: list[SpanEnd], dossier_id: int, seq: int, at: datetime) -> None:
    """Close the open span `seq`: begun in this flush (still to insert) or stored."""
    if new and new[-1].seq == seq:
        new[-1] = new[-1]._replace(to_at=at)
    else:
        ended.append(SpanEnd(dossier_id, seq, at))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _fresh_from_submission(events: Sequence[Event]) -> bool:
    """The first report event is the submission, the first event of the dossier's chain: no
    event of the dossier can be in the log before it."""
    first = events[0]
    return first.type == EventType.DOSSIER_SUBMITTED and first.seq == 1


def project_events(uow: UnitOfWork, written: Sequence[Event], tz: ZoneInfo) -> None:
    """Fold the report events of `written` onto the projection of their dossiers."""
    by_dossier: dict[int, list[Event]] = {}
    for event in written:
        if event.dossier_id is not None and event.type in REPORT_TYPES:
            by_dossier.setdefault(event.dossier_id, []).append(event)
    if not by_dossier:
        return
    ids = sorted(by_dossier)
    stored = uow.report_increments.stored(ids)
    folds = {i: _from_row(stored[i]) for i in ids if i in stored}
    unstored = [i for i in ids if i not in stored]
    fresh = [i for i in unstored if _fresh_from_submission(by_dossier[i])]
    if fresh:
        facts = uow.report_increments.facts(fresh)
        folds |= {i: _fresh(i, facts[i]) for i in fresh}
    if len(fresh) < len(unstored):
        from_log = [i for i in unstored if i not in folds]
        uow.report_projection.replace(from_log, projected(uow, from_log, tz))
    folder = _Folder(uow, tz)
    for dossier_id, fold in folds.items():
        for event in by_dossier[dossier_id]:
            folder.apply(fold, event)
    kept = [f for f in folds.values() if f.row["submitted_at"] is not None]
    uow.report_increments.write(
        Changes(
            inserted=[f.row for f in kept if not f.stored],
            updated=[f.row for f in kept if f.stored],
            ended_waits=[e for f in kept for e in f.ended_waits],
            new_waits=[s for f in kept for s in f.new_waits],
            ended_dues=[e for f in kept for e in f.ended_dues],
            new_dues=[s for f in kept for s in f.new_dues],
        )
    )


def projector(tz: ZoneInfo) -> Callable[[UnitOfWork, Sequence[Event]], None]:
    """What the unit of work calls after writing events, in the same transaction."""

    def project_written(uow: UnitOfWork, written: Sequence[Event]) -> None:
        project_events(uow, written, tz)

    return project_written
