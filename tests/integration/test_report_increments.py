"""The report's projection kept incrementally (engine.report_increments: each transaction's events
folded onto the stored rows) equals the rebuild from the event log after every transaction, while
random dossiers' events arrive over many transactions, several dossiers and flushes in one,
through every path (refused, waits for a supplement or a fee and their resumption, withdrawn,
stopped, resolved and returned, a Mẫu 04), and through the edge cases of the fold: a resolution
at the same instant as a due date recorded earlier, events recorded before the submission, a
dossier whose rows are missing (a database from before the projection) (issue 20)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from engine import report_projection
from engine.context import EngineContext
from engine.events import record
from engine.security.authz import SYSTEM_ACTOR
from storage.report_projection import ReportDossier, ReportDue, ReportWait
from storage.uow import UnitOfWork
from tests.report_history import Unrecorded, unrecorded_history
from tests.support import OTHER_UNIT, UNIT

TABLES = (ReportDossier, ReportWait, ReportDue)
T = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


def tables(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.__tablename__: sorted(
            tuple(row) for row in uow.session.execute(select(table.__table__))
        )
        for table in TABLES
    }


def assert_kept_equals_rebuilt(ctx: EngineContext, when: str) -> None:
    with ctx.uow() as uow:
        kept = tables(uow)
        report_projection.rebuild(uow, ctx.tz)
        assert tables(uow) == kept, when
        # not committed: the kept rows stay for the next transaction


def iso(moment: datetime) -> str:
    return moment.isoformat()


def edge_cases(first: Unrecorded, second: Unrecorded) -> list[tuple[Unrecorded, list[int]]]:
    """Two dossiers of the history, given other events, each with its own transaction split."""
    due, later = T + timedelta(days=5), T + timedelta(days=9)
    at_once: list[tuple[datetime, str, dict[str, Any]]] = [
        (T, "dossier_submitted", {"channel": 2}),
        (T, "status_changed", {"from": 1, "to": 2, "label": ""}),
        (T, "deadline_set", {"due_at": iso(due), "received_at": iso(T)}),
        (T, "status_changed", {"from": 2, "to": 4, "label": ""}),
        (T + timedelta(days=6), "deadline_recomputed", {"original_due_at": iso(later)}),
        # resolved at the recomputation's instant: late against the first due date
        (T + timedelta(days=6), "status_changed", {"from": 4, "to": 9, "label": ""}),
        (T + timedelta(days=7), "status_changed", {"from": 9, "to": 10, "label": ""}),
    ]
    before_submission: list[
        tuple[datetime, str, dict[str, Any]]
    ] = [  # (a wait before the submission: only the log knows it then)
        (T, "status_changed", {"from": 1, "to": 6, "label": ""}),
        (T + timedelta(hours=1), "dossier_submitted", {"channel": 1}),
        (T + timedelta(hours=1), "deadline_set", {"due_at": iso(due)}),
        (T + timedelta(hours=2), "status_changed", {"from": 6, "to": 5, "label": ""}),
        (T + timedelta(hours=3), "status_changed", {"from": 5, "to": 6, "label": ""}),
        (T + timedelta(hours=4), "deadline_recomputed", {"original_due_at": iso(later)}),
        (T + timedelta(hours=4), "status_changed", {"from": 6, "to": 4, "label": ""}),
        (T + timedelta(hours=5), "status_changed", {"from": 4, "to": 7, "label": ""}),
    ]
    return [
        (first._replace(events=at_once), [4, 1, 1, 1]),
        (second._replace(events=before_submission), [1, 1, 2, 1, 2, 1]),
    ]


def transactions(
    rng: random.Random, history: list[Unrecorded]
) -> list[list[tuple[Unrecorded, tuple[datetime, str, dict[str, Any]]]]]:
    """The history's events in time order (each dossier's in its own order), cut into
    transactions of one to four events; the edge cases' splits are kept as given."""
    special = edge_cases(history[0], history[1])
    timed = [
        (event[0], n, k, dossier, event)
        for n, dossier in enumerate(history[2:])
        for k, event in enumerate(dossier.events)
    ]
    timed.sort(key=lambda item: (item[0], item[1], item[2]))
    cut: list[list[tuple[Unrecorded, tuple[datetime, str, dict[str, Any]]]]] = []
    while timed:
        size = rng.randint(1, 4)
        cut.append([(dossier, event) for _, _, _, dossier, event in timed[:size]])
        timed = timed[size:]
    for dossier, split in special:
        events = list(dossier.events)
        for size in split:
            cut.append([(dossier, event) for event in events[:size]])
            events = events[size:]
    return cut


def test_the_projection_kept_transaction_by_transaction_is_the_rebuilt_one(
    ctx: EngineContext,
) -> None:
    rng = random.Random(20)
    history = unrecorded_history(ctx.db.engine, 60, seed=20, units=(UNIT, OTHER_UNIT))
    cut = transactions(rng, history)
    lost = next(n for n in range(len(cut) // 2, len(cut)) if cut[n][0][1][1] != "dossier_submitted")
    for n, transaction in enumerate(cut):
        with ctx.uow() as uow:
            if n == lost:  # its rows are lost: the next events fold it from the log
                gone = transaction[0][0].id
                for table in TABLES:
                    uow.session.execute(delete(table).where(table.dossier_id == gone))
            for dossier, (at, kind, payload) in transaction:
                record(
                    uow,
                    chain=f"dossier:{dossier.code}",
                    type=kind,
                    actor=SYSTEM_ACTOR,
                    now=at,
                    payload=payload,
                    dossier_id=dossier.id,
                )
                if rng.random() < 0.3:
                    uow.flush()  # a transaction may project its events in several flushes
            uow.commit()
        assert_kept_equals_rebuilt(ctx, f"after transaction {n}: {transaction}")
    with ctx.uow(write=False) as uow:
        kept = tables(uow)
    assert len(kept["report_dossier"]) == 60
    assert {row[7] for row in kept["report_dossier"]} >= {
        "refused",
        "withdrawn",
        "stopped",
        "resolved",
    }
    assert {row[2] for row in kept["report_wait"]} == {"supplement", "fee"}
    assert any(row[4] is not None for row in kept["report_wait"])  # a wait that ended
    assert any(row[9] is not None for row in kept["report_dossier"])  # a dossier returned
    resolved = {row[0]: row[8] for row in kept["report_dossier"]}
    assert resolved[history[0].id] == "late"  # by the due date before the recomputation
