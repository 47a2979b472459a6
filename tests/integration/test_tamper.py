"""Tampering done directly in the database, with the append-only triggers dropped, is found by
`verify`, which names the dossier, the event and what was done (issue 4, "What it must show")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, delete, insert, select, text, update

from engine.context import EngineContext
from engine.events import dossier_chain, event_body, event_hash
from engine.services import audit
from storage.audit import EVENT_COLUMNS, EventRow, event_row
from storage.audit_models import Chain, Event
from storage.models import Dossier, WorkItem
from tests.conftest import ADMIN
from tests.databases import postgres_admin_url
from tests.support import ACCEPT, APPRAISE, HttpApi
from tests.tampering import tampering

Found = list[tuple[str, str | None, int | None]]


def found(ctx: EngineContext) -> Found:
    report = audit.verify_audit_log(ctx, ADMIN)
    assert report.ok is (not report.problems)
    return [(p.kind, p.dossier, p.seq) for p in report.problems]


def stored(conn: Connection, code: str, seq: int) -> EventRow:
    row = conn.execute(
        select(*EVENT_COLUMNS).where(Event.chain == dossier_chain(code), Event.seq == seq)
    ).one()
    return event_row(row)


def forge(template: EventRow, **changes: Any) -> dict[str, object]:
    """A well-formed event (its hash right for its content and prev_hash) for direct insertion."""
    row = template._replace(**changes)
    row = row._replace(hash=event_hash(row.prev_hash, event_body(row)))
    values = row._asdict()
    del values["id"]
    return values


@pytest.fixture
def codes(http: HttpApi, ctx: EngineContext) -> tuple[str, str]:
    """Two dossiers: the first accepted and appraised (13 events), the second only submitted."""
    first = http.submit()["code"]
    http.act(first, "reception", ACCEPT)
    http.act(first, "specialist", APPRAISE)
    second = http.submit()["code"]
    with ctx.uow(write=False) as uow:
        assert uow.audit.count_events(dossier_chain(first)) == 13
    return first, second


def test_an_untouched_database_verifies(codes: tuple[str, str], ctx: EngineContext) -> None:
    report = audit.verify_audit_log(ctx, ADMIN)
    assert report.ok and report.problems == []
    assert report.dossiers == 2 and report.chains == 3  # two dossiers and the system chain


def _modify_payload(conn: Connection, code: str) -> None:
    completed = stored(conn, code, 4)
    assert completed.type == "task_completed"
    data = {**completed.payload, "data": {**completed.payload["data"], "decision": "refuse"}}
    conn.execute(update(Event).where(Event.id == completed.id).values(payload=data))


def _modify_actor(conn: Connection, code: str) -> None:
    conn.execute(
        update(Event)
        .where(Event.chain == dossier_chain(code), Event.seq == 3)
        .values(actor_username="leader")
    )


def _delete(conn: Connection, code: str) -> None:
    conn.execute(delete(Event).where(Event.chain == dossier_chain(code), Event.seq == 4))


def _insert(conn: Connection, code: str) -> None:
    """A well-formed forged event slipped in as event 4; the later events renumbered; the chain
    head moved on: nothing is left for a naive check to see."""
    chain = dossier_chain(code)
    third = stored(conn, code, 3)
    for shift in (1000, -999):
        conn.execute(
            update(Event).where(Event.chain == chain, Event.seq >= 4).values(seq=Event.seq + shift)
        )
    conn.execute(
        insert(Event).values(
            **forge(third, seq=4, prev_hash=third.hash, type="task_released", payload={})
        )
    )
    conn.execute(update(Chain).where(Chain.name == chain).values(head_seq=Chain.head_seq + 1))


def _swap(conn: Connection, code: str) -> None:
    chain = dossier_chain(code)
    for old, new in ((3, -3), (4, 3), (-3, 4)):
        conn.execute(update(Event).where(Event.chain == chain, Event.seq == old).values(seq=new))


def _truncate(conn: Connection, code: str) -> None:
    conn.execute(delete(Event).where(Event.chain == dossier_chain(code), Event.seq > 8))


def _delete_chain(conn: Connection, code: str) -> None:
    chain = dossier_chain(code)
    conn.execute(delete(Event).where(Event.chain == chain))
    conn.execute(delete(Chain).where(Chain.name == chain))


TAMPERING: dict[str, tuple[Callable[[Connection, str], None], Callable[[str], Found]]] = {
    "modify payload": (_modify_payload, lambda code: [("modified", code, 4)]),
    "modify actor": (_modify_actor, lambda code: [("modified", code, 3)]),
    "delete": (_delete, lambda code: [("missing", code, 4)]),
    "insert": (_insert, lambda code: [("inserted", code, 4)]),
    "swap two events": (_swap, lambda code: [("reordered", code, 3), ("reordered", code, 4)]),
    "truncate the tail": (_truncate, lambda code: [("truncated", code, 9)]),
    "delete a whole chain": (_delete_chain, lambda code: [("chain_missing", code, None)]),
}


@pytest.mark.parametrize("name", TAMPERING)
def test_tampering_is_found_and_named(
    name: str, codes: tuple[str, str], ctx: EngineContext
) -> None:
    tamper, expected = TAMPERING[name]
    assert found(ctx) == []
    with tampering(ctx) as conn:
        tamper(conn, codes[0])
    assert found(ctx) == expected(codes[0])


def test_a_forged_chain_of_a_dossier_that_does_not_exist_is_found(
    codes: tuple[str, str], ctx: EngineContext
) -> None:
    fake = codes[1].replace("-0002", "-0099")
    with tampering(ctx) as conn:
        original = stored(conn, codes[1], 1)
        conn.execute(
            insert(Event).values(**forge(original, chain=dossier_chain(fake), dossier_id=None))
        )
        conn.execute(insert(Chain).values(name=dossier_chain(fake), head_seq=1, head_hash="x"))
    assert ("chain_forged", fake, None) in found(ctx)


# -- against the latest signed checkpoint ---------------------------------------------------


def test_a_truncation_that_also_rewinds_the_chain_head_is_caught_by_the_checkpoint(
    codes: tuple[str, str], ctx: EngineContext
) -> None:
    assert audit.create_checkpoint(ctx, ADMIN).created
    code = codes[0]
    with tampering(ctx) as conn:
        eighth = stored(conn, code, 8)
        _truncate(conn, code)
        conn.execute(
            update(Chain)
            .where(Chain.name == dossier_chain(code))
            .values(head_seq=8, head_hash=eighth.hash)
        )
    assert found(ctx) == [("truncated", code, 9)]


def test_a_dossier_erased_with_all_its_rows_is_caught_by_the_checkpoint(
    codes: tuple[str, str], ctx: EngineContext
) -> None:
    assert audit.create_checkpoint(ctx, ADMIN).created
    code = codes[1]
    with tampering(ctx) as conn:
        _delete_chain(conn, code)
        dossier_id = conn.execute(select(Dossier.id).where(Dossier.code == code)).scalar_one()
        conn.execute(delete(WorkItem).where(WorkItem.dossier_id == dossier_id))
        conn.execute(delete(Dossier).where(Dossier.id == dossier_id))
    assert found(ctx) == [("chain_missing", code, None)]


def test_a_forged_dossier_backdated_before_the_checkpoint_is_caught(
    http: HttpApi, codes: tuple[str, str], ctx: EngineContext
) -> None:
    """A forger adds a whole dossier (row, chain head and well-formed events) dated before the
    latest checkpoint: the checkpoint does not list it."""
    ctx.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    assert audit.create_checkpoint(ctx, ADMIN).created
    later = HttpApi(http.client)  # tokens from two hours ago have expired
    forged_code = later.submit()["code"]  # a real dossier to copy, made after the checkpoint
    with tampering(ctx) as conn:
        chain = dossier_chain(forged_code)
        first = stored(conn, forged_code, 1)
        conn.execute(delete(Event).where(Event.chain == chain))
        conn.execute(
            insert(Event).values(**forge(first, occurred_at=first.occurred_at - timedelta(hours=1)))
        )
        conn.execute(update(Chain).where(Chain.name == chain).values(head_seq=1))
        forged = conn.execute(select(Event.hash).where(Event.chain == chain)).scalar_one()
        conn.execute(update(Chain).where(Chain.name == chain).values(head_hash=forged))
    assert found(ctx) == [("chain_forged", forged_code, None)]


def test_a_new_checkpoint_refuses_to_sign_a_damaged_chain(
    codes: tuple[str, str], ctx: EngineContext
) -> None:
    with tampering(ctx) as conn:
        _modify_actor(conn, codes[0])
    result = audit.create_checkpoint(ctx, ADMIN)
    assert result.created and result.checkpoint is not None
    assert [(p.kind, p.dossier, p.seq) for p in result.refused] == [("modified", codes[0], 3)]
    assert result.checkpoint.chains == 2  # the second dossier and the system chain


#: PostgreSQL's column types refuse these values themselves; SQLite stores whatever it is given.
SQLITE_TYPING_ONLY = pytest.mark.skipif(
    postgres_admin_url() is not None,
    reason="PostgreSQL's column types refuse such a value: nothing to detect there",
)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param("payload", "not json at all", marks=SQLITE_TYPING_ONLY),
        pytest.param("payload", '{"x": NaN}', marks=SQLITE_TYPING_ONLY),
        ("payload", "[1, 2]"),
        pytest.param("occurred_at", "yesterday", marks=SQLITE_TYPING_ONLY),
    ],
)
def test_values_the_application_cannot_write_are_modified_not_a_crash(
    column: str, value: str, codes: tuple[str, str], ctx: EngineContext
) -> None:
    with tampering(ctx) as conn:
        conn.execute(
            text(f"UPDATE event SET {column} = :value WHERE chain = :chain AND seq = 2"),  # noqa: S608 - fixed names
            {"value": value, "chain": dossier_chain(codes[0])},
        )
    assert found(ctx) == [("modified", codes[0], 2)]


@SQLITE_TYPING_ONLY
def test_a_row_that_cannot_be_read_stops_verification_with_a_problem(
    codes: tuple[str, str], ctx: EngineContext
) -> None:
    with tampering(ctx) as conn:
        conn.execute(
            text("UPDATE event SET seq = 'two' WHERE chain = :chain AND seq = 2"),
            {"chain": dossier_chain(codes[0])},
        )
    [(kind, dossier, seq)] = found(ctx)
    assert (kind, seq) == ("modified", None) and dossier == codes[0]
