"""Change the audit tables behind the application's back, as an attacker with database access
would: the append-only triggers are bypassed for one transaction only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, update

from engine.context import EngineContext
from engine.events import event_body, event_hash
from storage.audit import EventRow
from storage.audit_models import Chain, Event

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


def rewrite_chain(conn: Connection, chain: str, rows: Sequence[EventRow], first: int) -> None:
    """Store `rows[first:]` (some of them changed) as a careful forger would: every hash from
    `first` on recomputed and the chain head moved, so the hashes alone still hold."""
    previous = rows[first - 1].hash
    for row in rows[first:]:
        row = row._replace(prev_hash=previous)
        forged = event_hash(row.prev_hash, event_body(row))
        conn.execute(
            update(Event)
            .where(Event.id == row.id)
            .values(
                payload=row.payload,
                occurred_at=row.occurred_at,
                prev_hash=row.prev_hash,
                hash=forged,
            )
        )
        previous = forged
    conn.execute(update(Chain).where(Chain.name == chain).values(head_hash=previous))
