"""Rebuild a dossier from its pinned definition and its events alone.

Each cause event is redone by its handler (`engine.audit.replay_handlers`), which calls the same
cause of a step (`engine.step.causes`) the live use case called, here on a scratch copy of the
dossier (`engine.audit.scratch`) instead of its rows, with time frozen at the event's time.
Every event the cause records (the cause itself, then its consequences: status changes, tasks
opened, ...) must equal the logged one. Replayed to the end, the scratch dossier must equal the
stored dossier (`engine.audit.comparison`).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.audit.comparison import DossierRecords, compare
from engine.audit.integrity import REPLAY_MISMATCH, ChainChecker, IntegrityProblem
from engine.audit.replay_handlers import CONSEQUENCES, HANDLERS
from engine.audit.replay_state import Replay
from engine.audit.results import Mismatch, ReplayResult
from engine.audit.scratch import ReplayDivergenceError
from engine.context import EngineContext
from engine.errors import EngineError
from engine.events import dossier_chain
from engine.views import dossier_detail
from storage.audit import EventRow
from storage.uow import UnitOfWork


def replay_log(
    code: str,
    log: Sequence[EventRow],
    uow: UnitOfWork,
    ctx: EngineContext,
    *,
    until: int | None = None,
    calendar_events: Sequence[EventRow] | None = None,
) -> ReplayResult:
    """Replay a dossier's logged events (checked for integrity first) inside `uow`'s reads.
    `calendar_events`: the system chain's calendar events, if read already in this snapshot."""
    checker = ChainChecker(dossier_chain(code))
    for event in log:
        checker.feed(event)
    replay = Replay(code, log, uow, ctx, calendar_events)
    problems = checker.finish() + _run(replay, until)
    row = uow.dossiers.by_code(code)
    stored = (
        DossierRecords(
            row,
            uow.work_items.history_for_dossier(row.id),
            uow.files.for_dossier(row.id),
            uow.documents.for_dossier(row.id),
        )
        if row is not None
        else None
    )
    return _result(replay, until, problems, stored)


def _run(replay: Replay, until: int | None) -> list[IntegrityProblem]:
    """Redo events in order up to the step holding event `until`; stop at the first problem."""
    chain = replay.store.chain
    while chain.applied < len(replay.log):
        event = replay.log[chain.applied]
        if until is not None and event.seq > until:
            break
        problem = _redo(replay, event)
        if problem is not None:
            return [problem]
    return []


def _redo(replay: Replay, event: EventRow) -> IntegrityProblem | None:
    handler = HANDLERS.get(event.type)
    if event.type in CONSEQUENCES:
        return _problem(
            replay, event.seq, f"'{event.type}' is not a consequence of the events before it"
        )
    if handler is None:
        return _problem(replay, event.seq, f"no replay handler for events of type '{event.type}'")
    replay.clock.set(event.occurred_at)
    try:
        if replay.started:  # steps run at the event's time, as they did live
            replay.workflow.at(event.occurred_at, replay.environment().functions)
        handler(replay, event)
    except ReplayDivergenceError as exc:
        return _problem(replay, exc.seq if exc.seq is not None else event.seq, exc.message)
    except EngineError as exc:
        return _problem(replay, event.seq, f"redoing '{event.type}' failed: {exc.detail}")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return _problem(replay, event.seq, f"the event's payload cannot be redone ({exc!r})")
    return None


def _problem(replay: Replay, seq: int, detail: str) -> IntegrityProblem:
    return IntegrityProblem(REPLAY_MISMATCH, replay.store.chain.chain, seq, detail)


def _result(
    replay: Replay,
    until: int | None,
    problems: list[IntegrityProblem],
    stored: DossierRecords | None,
) -> ReplayResult:
    chain = replay.store.chain
    complete = chain.applied == len(replay.log)  # replay stops at its first problem
    dossier = replay.rebuilt
    mismatches: list[Mismatch] = []
    if complete and stored is not None:
        mismatches = (
            compare(
                DossierRecords(
                    dossier, replay.store.items.all(), replay.files, replay.store.documents.all()
                ),
                stored,
            )
            if dossier is not None
            else [Mismatch("dossier", None, stored.dossier.code)]  # stored, but no events
        )
    return ReplayResult(
        code=replay.code,
        until=until,
        at_seq=replay.log[chain.applied - 1].seq if chain.applied else 0,
        events=len(replay.log),
        dossier=dossier_detail(replay.store, dossier) if dossier else None,
        data=dict(dossier.data) if dossier else {},
        complete=complete,
        matches_stored=not mismatches and not problems if complete else None,
        mismatches=mismatches,
        problems=problems,
    )
