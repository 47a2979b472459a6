"""The chain checker names what was done to a chain (pure: chains built in memory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.audit.integrity import Anchor, ChainChecker, IntegrityProblem
from engine.events import GENESIS_HASH, event_body, event_hash
from storage.audit import EventRow

CHAIN = "dossier:000.00.07.H29-260310-0001"
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def event(seq: int, prev_hash: str, **changes: Any) -> EventRow:
    row = EventRow(
        id=seq,
        chain=CHAIN,
        seq=seq,
        dossier_id=1,
        occurred_at=T0 + timedelta(minutes=seq),
        type="task_claimed",
        actor_user_id=7,
        actor_username="reception",
        actor_role="reception",
        actor_unit="000.00.07.H29",
        bpmn_id="check_dossier",
        payload={"step": seq},
        prev_hash=prev_hash,
        hash="",
    )._replace(**changes)
    return rehashed(row)


def rehashed(row: EventRow) -> EventRow:
    return row._replace(hash=event_hash(row.prev_hash, event_body(row)))


def chain(n: int) -> list[EventRow]:
    rows: list[EventRow] = []
    for seq in range(1, n + 1):
        rows.append(event(seq, rows[-1].hash if rows else GENESIS_HASH))
    return rows


def check(
    rows: list[EventRow], head: tuple[int, str] | None = None, anchor: Anchor | None = None
) -> list[tuple[str, int | None]]:
    checker = ChainChecker(CHAIN, dossier_id=1, check_dossier_id=True, anchor=anchor)
    for row in sorted(rows, key=lambda r: r.seq):
        checker.feed(row)
    return [(p.kind, p.seq) for p in checker.finish(head)]


def test_an_untouched_chain_has_no_problem() -> None:
    rows = chain(12)
    assert check(rows, head=(12, rows[-1].hash)) == []


@pytest.mark.parametrize(
    "change",
    [
        {"payload": {"step": 5, "decision": "accept"}},
        {"actor_username": "leader"},
        {"actor_role": "leader"},
        {"occurred_at": T0},
        {"type": "task_released"},
        {"bpmn_id": "appraise"},
    ],
)
def test_changing_any_hashed_field_is_modified(change: dict[str, Any]) -> None:
    rows = chain(8)
    rows[4] = rows[4]._replace(**change)
    assert check(rows, head=(8, rows[-1].hash)) == [("modified", 5)]


def test_a_rewritten_event_with_a_recomputed_hash_is_still_caught_by_its_successor() -> None:
    rows = chain(8)
    rows[4] = rehashed(rows[4]._replace(payload={"step": "forged"}))
    assert check(rows, head=(8, rows[-1].hash)) == [("modified", 5)]


def test_the_dossier_id_column_is_checked_though_it_is_not_hashed() -> None:
    rows = chain(4)
    rows[2] = rows[2]._replace(dossier_id=2)
    assert check(rows) == [("modified", 3)]


def test_a_deleted_event_is_missing() -> None:
    rows = chain(8)
    del rows[3]
    assert check(rows, head=(8, rows[-1].hash)) == [("missing", 4)]


def test_a_deletion_hidden_by_renumbering_is_missing() -> None:
    rows = chain(8)
    del rows[3]
    rows[3:] = [row._replace(seq=row.seq - 1) for row in rows[3:]]
    assert check(rows, head=(7, rows[-1].hash)) == [("missing", 4)]


def test_an_event_inserted_in_the_middle_is_inserted() -> None:
    rows = chain(8)
    forged = event(4, rows[2].hash, payload={"step": "forged"})
    rows = [*rows[:3], forged, *(row._replace(seq=row.seq + 1) for row in rows[3:])]
    assert check(rows, head=(9, rows[-1].hash)) == [("inserted", 4)]


def test_an_event_added_behind_the_chain_head_is_inserted() -> None:
    rows = chain(6)
    rows.append(event(7, rows[-1].hash, payload={"step": "forged"}))
    assert check(rows, head=(6, rows[5].hash)) == [("inserted", 7)]


def test_two_swapped_events_are_reordered() -> None:
    rows = chain(8)
    rows[3], rows[4] = rows[3]._replace(seq=5), rows[4]._replace(seq=4)
    assert sorted(check(rows, head=(8, rows[-1].hash))) == [("reordered", 4), ("reordered", 5)]


def test_a_truncated_tail_is_caught_by_the_chain_head() -> None:
    rows = chain(8)
    head = (8, rows[-1].hash)
    assert check(rows[:6], head=head) == [("truncated", 7)]


def test_a_truncated_tail_with_a_forged_head_is_caught_by_the_checkpoint() -> None:
    rows = chain(8)
    anchor = Anchor(7, rows[6].hash, checkpoint_seq=3)
    problems = check(rows[:5], head=(5, rows[4].hash), anchor=anchor)
    assert problems == [("truncated", 6)]


def test_a_rewritten_certified_event_differs_from_the_checkpoint() -> None:
    rows = chain(5)
    anchor = Anchor(5, rows[4].hash, checkpoint_seq=1)
    rows[4] = rehashed(rows[4]._replace(payload={"step": "forged"}))
    assert check(rows, head=(5, rows[4].hash), anchor=anchor) == [("modified", 5)]


def test_problems_name_the_dossier_and_the_event() -> None:
    problem = IntegrityProblem("modified", CHAIN, 5, "its content no longer matches its hash")
    assert problem.dossier == "000.00.07.H29-260310-0001"
    assert problem.describe() == (
        "dossier 000.00.07.H29-260310-0001, event 5: modified: its content no longer matches "
        "its hash"
    )
    assert IntegrityProblem("missing", "system", 2, "x").dossier is None


def test_a_check_can_start_after_a_certified_head() -> None:
    rows = chain(10)
    checker = ChainChecker(CHAIN, start_seq=7, start_hash=rows[5].hash)
    for row in rows[6:]:
        checker.feed(row)
    assert checker.finish((10, rows[-1].hash)) == []
    wrong_start = ChainChecker(CHAIN, start_seq=7, start_hash=rows[4].hash)
    for row in rows[6:]:
        wrong_start.feed(row)
    assert [(p.kind, p.seq) for p in wrong_start.finish()] == [("modified", 6)]
