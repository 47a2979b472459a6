"""The database itself refuses to change or delete audit rows (SQLite triggers here; the
PostgreSQL ones in test_audit_postgres.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from engine.context import EngineContext
from engine.services import audit
from storage.errors import AppendOnlyError
from tests.conftest import ADMIN
from tests.support import HttpApi

REFUSALS = [
    ("UPDATE event SET actor_username = 'someone'", "event", "UPDATE"),
    ("DELETE FROM event", "event", "DELETE"),
    ("UPDATE checkpoint SET created_by = 'someone'", "checkpoint", "UPDATE"),
    ("DELETE FROM checkpoint", "checkpoint", "DELETE"),
]


def assert_refused(engine: Engine, sql: str, table: str, operation: str) -> None:
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(sql))
    message = str(caught.value.orig)
    assert f"{table} is an append-only audit table: {operation} is refused" in message


@pytest.mark.parametrize(("sql", "table", "operation"), REFUSALS)
def test_sqlite_refuses_to_change_or_delete_audit_rows(
    http: HttpApi, ctx: EngineContext, sql: str, table: str, operation: str
) -> None:
    http.submit()
    audit.create_checkpoint(ctx, ADMIN)
    assert_refused(ctx.db.engine, sql, table, operation)
    assert audit.verify_audit_log(ctx, ADMIN).ok


def test_the_refusal_reaches_the_engine_as_an_append_only_error(ctx: EngineContext) -> None:
    with pytest.raises(AppendOnlyError, match="append-only"), ctx.uow() as uow:
        event = uow.events.for_chain("system")[0]
        event.actor_username = "someone"
        uow.commit()
