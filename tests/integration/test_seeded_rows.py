"""The fixture `ctx` writes back rows captured from one seeding instead of seeding each test
(tests/seeded.py): what it writes must be what seeding writes, and the database must go on from
there as if seeded (the next ids, the audit chain)."""

from __future__ import annotations

from typing import Any

from engine.context import EngineContext
from engine.services import units
from engine.services.audit import verify_audit_log
from tests.conftest import ADMIN, seed
from tests.seeded import SeededRows


def test_the_restored_rows_are_the_rows_seeding_writes(
    bare_ctx: EngineContext, seeded_rows: SeededRows
) -> None:
    seed(bare_ctx)
    # Passwords are hashed with a fresh salt each time: the same password, other bytes.
    assert _unsalted(SeededRows.capture(bare_ctx.db.engine)) == _unsalted(seeded_rows)


def _unsalted(seeded: SeededRows) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (
            table.name,
            [
                {**row, "password_hash": None} if "password_hash" in row else dict(row)
                for row in rows
            ],
        )
        for table, rows in seeded.rows
    ]


def test_a_restored_database_goes_on_as_a_seeded_one(ctx: EngineContext) -> None:
    created = units.create_unit(ctx, ADMIN, "TEST3", "BHXH quận Tây Hồ")
    assert created.code == "TEST3"
    report = verify_audit_log(ctx, ADMIN)
    assert report.ok, report.problems
    assert report.events == 19  # the 18 events seeding wrote, then this one
