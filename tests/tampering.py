"""Change the audit tables behind the application's back, as an attacker with database access
would: the append-only triggers are bypassed for one transaction only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from engine.context import EngineContext

AUDIT_TABLES = ("event", "checkpoint", "document")


@contextmanager
def tampering(ctx: EngineContext) -> Iterator[Connection]:
    """A transaction in which UPDATE and DELETE on the audit tables go through."""
    with ctx.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Skips ordinary triggers for this transaction only; the schema keeps them.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            # Each SQLite test has its own copy of the database: dropping is local to it.
            for table in AUDIT_TABLES:
                for operation in ("update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_refuse_{operation}")
        yield conn
