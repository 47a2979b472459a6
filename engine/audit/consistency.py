"""Do a dossier's events, projections and workflow state tell the same story?

Used after a crash (tests kill the API workers mid-load) and by operators: every change is one
transaction, so a dossier is either wholly before or wholly after each change. A half-applied
change shows up here as a disagreement. Each check is a function of one loaded `DossierFacts`:
the hash chain (the audit's own checker), status, work items and workflow state against the
events, and finally a full replay of the events compared with what is stored.
"""

from __future__ import annotations

import atexit
import multiprocessing
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.audit.integrity import ChainChecker
from engine.audit.replay import replay_log
from engine.context import EngineContext, build
from engine.errors import NotFoundError
from engine.event_types import CALENDAR_EVENTS, EventType
from engine.events import SYSTEM_CHAIN, dossier_chain
from engine.settings import Settings
from engine.spiff import runtime
from engine.statuses import DossierStatus
from storage.audit import EventRow
from storage.audit_models import Chain
from storage.models import Definition, Dossier, WorkItem
from storage.record_models import CalendarVersion
from storage.statuses import WorkItemStatus
from storage.uow import UnitOfWork

#: Dossiers checked per read transaction: long enough to amortise its start, short enough
#: never to hold a snapshot (and the rows it pins) for long.
BATCH = 100


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """Everything stored about one dossier, read in one transaction."""

    ctx: EngineContext
    uow: UnitOfWork
    dossier: Dossier
    definition: Definition
    #: The dossier's chain as stored, read once (the checks and the replay share it).
    events: Sequence[EventRow]
    chain: Chain | None
    work_items: Sequence[WorkItem]
    #: The system chain's calendar events of the same snapshot, if already read.
    calendar_events: Sequence[EventRow] | None = None


@dataclass(frozen=True, slots=True)
class ConsistencyReport:
    code: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_dossier(ctx: EngineContext, code: str) -> ConsistencyReport:
    """All problems found with one dossier; an empty list means its story is consistent."""
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        return _check(_facts(ctx, uow, dossier))


def check_all(
    ctx: EngineContext,
    *,
    batch: int = BATCH,
    changed_since: datetime | None = None,
    after: int = 0,
    upto: int | None = None,
) -> Iterator[ConsistencyReport]:
    """Every dossier's report, oldest first, in constant memory whatever the number of dossiers.

    Keyset pagination by id: each batch is one short read transaction (one snapshot) that reads
    the next ids, then each dossier in turn, dropping its rows once checked. Reports are handed
    out only after the transaction has ended, so a slow consumer never holds one open, and no
    ORM row outlives its transaction. `changed_since` keeps only the dossiers written to at or
    after that time (after a crash, only those can be half changed); `after` and `upto` bound
    the ids walked (a worker's share of `check_everything`).
    """
    while True:
        reports: list[ConsistencyReport] = []
        with ctx.uow(write=False, snapshot=True) as uow:
            ids = uow.dossiers.ids_after(after, batch, upto=upto, changed_since=changed_since)
            # The calendar's history (system chain) is one for the whole snapshot: read once
            # per batch, not once per dossier (the system chain also holds every login event).
            calendar_events = calendar_history(uow)
            for dossier_id in ids:
                dossier = uow.dossiers.get(dossier_id)
                if dossier is not None:
                    reports.append(_check(_facts(ctx, uow, dossier, calendar_events)))
                # the calendar versions every replayed step reads stay (immutable, a handful)
                uow.forget(keep=(CalendarVersion,))
        yield from reports
        if len(ids) < batch:
            return
        after = ids[-1]


@dataclass(frozen=True, slots=True)
class ConsistencySummary:
    """How many dossiers were checked, and the inconsistent ones sorted by code."""

    checked: int
    inconsistent: list[ConsistencyReport]


def check_everything(
    ctx: EngineContext,
    *,
    jobs: int = 1,
    changed_since: datetime | None = None,
    slice_size: int | None = None,
) -> ConsistencySummary:
    """`check_all` over every dossier (or those changed since), by `jobs` processes at once.

    With more than one job the id range is cut into slices of `SLICE` ids (or `slice_size`),
    handed out in turn
    to `jobs` worker processes, each with its own engine (its own connections); the result is
    the same whatever the number of jobs: the count, and the inconsistent reports by code.
    """
    if jobs <= 1:
        checked, broken = 0, []
        for report in check_all(ctx, changed_since=changed_since):
            checked += 1
            if not report.ok:
                broken.append(report)
        return ConsistencySummary(checked, sorted(broken, key=lambda r: r.code))
    with ctx.uow(write=False) as uow:
        bounds = uow.dossiers.id_bounds()
    if bounds is None:
        return ConsistencySummary(0, [])
    low, high = bounds
    size = slice_size or SLICE
    slices = [
        (start - 1, min(start + size - 1, high), changed_since)
        for start in range(low, high + 1, size)
    ]
    checked, broken = 0, []
    # spawn, not fork: a forked child would share the parent's pooled connections.
    with multiprocessing.get_context("spawn").Pool(
        jobs, initializer=_start_worker, initargs=(ctx.settings,)
    ) as pool:
        for count, reports in pool.imap_unordered(_check_slice, slices):
            checked += count
            broken += reports
    return ConsistencySummary(checked, sorted(broken, key=lambda r: r.code))


#: Dossier ids per unit of work handed to a worker process: small enough that the dossiers
#: changed recently (the highest ids) are shared out among the workers too.
SLICE = 10 * BATCH

_worker: EngineContext | None = None


def _start_worker(settings: Settings) -> None:
    global _worker
    _worker = build(settings)
    atexit.register(_worker.close)


def _check_slice(
    bounds: tuple[int, int, datetime | None],
) -> tuple[int, list[ConsistencyReport]]:
    after, upto, changed_since = bounds
    assert _worker is not None
    count, broken = 0, []
    for report in check_all(_worker, after=after, upto=upto, changed_since=changed_since):
        count += 1
        if not report.ok:
            broken.append(report)
    return count, broken


def calendar_history(uow: UnitOfWork) -> list[EventRow]:
    """The system chain's calendar events (versions registered, overrides), in order."""
    return [e for e in uow.audit.stream_events(SYSTEM_CHAIN) if e.type in CALENDAR_EVENTS]


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_since(text: str, now: datetime) -> datetime:
    """`--changed-since`: an ISO 8601 date-time with its UTC offset, or a duration before
    `now` such as `24h`, `90m`, `7d` or `1d12h`.

    Raises:
        ValueError: neither, or a date-time without an offset (which would be ambiguous).
    """
    text = text.strip()
    match = _DURATION.fullmatch(text)
    if text and match is not None:
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return now - timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a date-time such as 2026-03-10T08:00:00+07:00 "
            "nor a duration such as 24h, 90m or 7d"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (write e.g. 2026-03-10T08:00:00+07:00)")
    return moment


def _facts(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    calendar_events: Sequence[EventRow] | None = None,
) -> DossierFacts:
    chain = dossier_chain(dossier.code)
    definition = uow.definitions.get(dossier.definition_id)
    assert definition is not None  # a foreign key
    return DossierFacts(
        ctx=ctx,
        uow=uow,
        dossier=dossier,
        definition=definition,
        events=list(uow.audit.stream_events(chain)),
        chain=uow.events.head(chain),
        work_items=uow.work_items.history_for_dossier(dossier.id),
        calendar_events=calendar_events,
    )


def _check(facts: DossierFacts) -> ConsistencyReport:
    problems = [problem for check in CHECKS for problem in check(facts)]
    return ConsistencyReport(facts.dossier.code, problems)


def chain_is_intact(facts: DossierFacts) -> list[str]:
    """The audit's chain check (hashes, numbering, dossier column) against the recorded head."""
    checker = ChainChecker(
        dossier_chain(facts.dossier.code), dossier_id=facts.dossier.id, check_dossier_id=True
    )
    for event in facts.events:
        checker.feed(event)
    head = (facts.chain.head_seq, facts.chain.head_hash) if facts.chain is not None else (0, "")
    problems = [problem.describe() for problem in checker.finish(head)]
    if not facts.events or facts.events[0].type != EventType.DOSSIER_SUBMITTED:
        problems.append("the first event is not the submission")
    return problems


def status_matches_events(facts: DossierFacts) -> list[str]:
    changes = [e for e in facts.events if e.type == EventType.STATUS_CHANGED]
    expected = int(changes[-1].payload["to"]) if changes else int(DossierStatus.SUBMITTED)
    if facts.dossier.status != expected:
        return [f"status is {facts.dossier.status} but the events end at {expected}"]
    return []


def work_items_match_events(facts: DossierFacts) -> list[str]:
    """One task_completed event per completed work item; claims as the last claim event says."""
    problems = []
    completed_events = [
        e.payload["task_id"] for e in facts.events if e.type == EventType.TASK_COMPLETED
    ]
    completed_items = [i.id for i in facts.work_items if i.status == WorkItemStatus.COMPLETED]
    if sorted(completed_events) != sorted(completed_items):
        problems.append(
            f"completed tasks per events {sorted(completed_events)} "
            f"!= per work items {sorted(completed_items)}"
        )
    holder: dict[str, str | None] = {}
    for event in facts.events:
        if event.type == EventType.TASK_CLAIMED:
            holder[event.payload["task_id"]] = event.actor_username
        elif event.type == EventType.TASK_ASSIGNED:
            holder[event.payload["task_id"]] = event.payload["officer"]
        elif event.type == EventType.TASK_RELEASED:
            holder[event.payload["task_id"]] = None
    for item in facts.work_items:
        if item.status == WorkItemStatus.OPEN and holder.get(item.id) != item.claimed_by_username:
            problems.append(
                f"task {item.bpmn_id} is claimed by {item.claimed_by_username} "
                f"but the events say {holder.get(item.id)}"
            )
    return problems


def state_matches_work_items(facts: DossierFacts) -> list[str]:
    """The stored workflow's READY and COMPLETED user tasks are the open and completed items."""
    parsed = facts.ctx.definitions.get(facts.definition)
    workflow = runtime.load(parsed, facts.dossier.state)
    problems = []
    open_items = {i.id for i in facts.work_items if i.status == WorkItemStatus.OPEN}
    ready = workflow.user_task_ids(completed=False)
    if ready != open_items:
        problems.append(f"READY tasks {sorted(ready)} != open work items {sorted(open_items)}")
    completed_items = {i.id for i in facts.work_items if i.status == WorkItemStatus.COMPLETED}
    completed = workflow.user_task_ids(completed=True)
    if completed != completed_items:
        problems.append(
            f"COMPLETED tasks {sorted(completed)} != completed work items {sorted(completed_items)}"
        )
    return problems


def replays_to_stored_state(facts: DossierFacts) -> list[str]:
    """Rebuilt from its pinned definition and its events alone, the dossier is what is stored."""
    result = replay_log(
        facts.dossier.code,
        facts.events,
        facts.uow,
        facts.ctx,
        calendar_events=facts.calendar_events,
    )
    return [p.describe() for p in result.problems] + [
        f"replay: {m.field}: replayed {m.replayed!r}, stored {m.stored!r}"
        for m in result.mismatches
    ]


CHECKS: list[Callable[[DossierFacts], list[str]]] = [
    chain_is_intact,
    status_matches_events,
    work_items_match_events,
    state_matches_work_items,
    replays_to_stored_state,
]
