"""Do a dossier's events, projections and workflow state tell the same story?

Used after a crash (tests kill the API workers mid-load) and by operators: every change is one
transaction, so a dossier is either wholly before or wholly after each change. A half-applied
change shows up here as a disagreement. Each check is a function of one loaded `DossierFacts`:
the hash chain (the audit's own checker), status, work items and workflow state against the
events, and finally a full replay of the events compared with what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from engine.audit.integrity import ChainChecker
from engine.audit.replay import replay_log
from engine.context import EngineContext
from engine.errors import NotFoundError
from engine.events import dossier_chain
from engine.spiff import runtime
from engine.statuses import DossierStatus
from storage.audit import EventRow
from storage.models import Chain, Definition, Dossier, Event, WorkItem
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
    events: Sequence[Event]
    log: Sequence[EventRow]
    chain: Chain | None
    work_items: Sequence[WorkItem]


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


def check_all(ctx: EngineContext, *, batch: int = BATCH) -> Iterator[ConsistencyReport]:
    """Every dossier's report, oldest first, in constant memory whatever the number of dossiers.

    Keyset pagination by id: each batch is one short read transaction (one snapshot) that reads
    the next ids, then each dossier in turn, dropping its rows once checked. Reports are handed
    out only after the transaction has ended, so a slow consumer never holds one open, and no
    ORM row outlives its transaction.
    """
    after = 0
    while True:
        reports: list[ConsistencyReport] = []
        with ctx.uow(write=False, snapshot=True) as uow:
            ids = uow.dossiers.ids_after(after, batch)
            for dossier_id in ids:
                dossier = uow.dossiers.get(dossier_id)
                if dossier is not None:
                    reports.append(_check(_facts(ctx, uow, dossier)))
                uow.forget()
        yield from reports
        if len(ids) < batch:
            return
        after = ids[-1]


def _facts(ctx: EngineContext, uow: UnitOfWork, dossier: Dossier) -> DossierFacts:
    chain = dossier_chain(dossier.code)
    definition = uow.definitions.get(dossier.definition_id)
    assert definition is not None  # a foreign key
    return DossierFacts(
        ctx=ctx,
        uow=uow,
        dossier=dossier,
        definition=definition,
        events=uow.events.for_chain(chain),
        log=list(uow.audit.stream_events(chain)),
        chain=uow.events.head(chain),
        work_items=uow.work_items.history_for_dossier(dossier.id),
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
    if not facts.events or facts.events[0].type != "dossier_submitted":
        problems.append("the first event is not the submission")
    return problems


def status_matches_events(facts: DossierFacts) -> list[str]:
    changes = [e for e in facts.events if e.type == "status_changed"]
    expected = int(changes[-1].payload["to"]) if changes else int(DossierStatus.SUBMITTED)
    if facts.dossier.status != expected:
        return [f"status is {facts.dossier.status} but the events end at {expected}"]
    return []


def work_items_match_events(facts: DossierFacts) -> list[str]:
    """One task_completed event per completed work item; claims as the last claim event says."""
    problems = []
    completed_events = [e.payload["task_id"] for e in facts.events if e.type == "task_completed"]
    completed_items = [i.id for i in facts.work_items if i.status == "completed"]
    if sorted(completed_events) != sorted(completed_items):
        problems.append(
            f"completed tasks per events {sorted(completed_events)} "
            f"!= per work items {sorted(completed_items)}"
        )
    holder: dict[str, str | None] = {}
    for event in facts.events:
        if event.type == "task_claimed":
            holder[event.payload["task_id"]] = event.actor_username
        elif event.type == "task_assigned":
            holder[event.payload["task_id"]] = event.payload["officer"]
        elif event.type == "task_released":
            holder[event.payload["task_id"]] = None
    for item in facts.work_items:
        if item.status == "open" and holder.get(item.id) != item.claimed_by_username:
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
    open_items = {i.id for i in facts.work_items if i.status == "open"}
    ready = workflow.user_task_ids(completed=False)
    if ready != open_items:
        problems.append(f"READY tasks {sorted(ready)} != open work items {sorted(open_items)}")
    completed_items = {i.id for i in facts.work_items if i.status == "completed"}
    completed = workflow.user_task_ids(completed=True)
    if completed != completed_items:
        problems.append(
            f"COMPLETED tasks {sorted(completed)} != completed work items {sorted(completed_items)}"
        )
    return problems


def replays_to_stored_state(facts: DossierFacts) -> list[str]:
    """Rebuilt from its pinned definition and its events alone, the dossier is what is stored."""
    result = replay_log(facts.dossier.code, facts.log, facts.uow, facts.ctx)
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
