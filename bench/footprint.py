"""Storage bytes per completed dossier: workflow state, audit events and projections."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.environment import Backend
from storage.db import make_engine

TABLES = ("dossier", "event", "chain", "work_item", "code_sequence")


def bytes_per_dossier(backend: Backend) -> dict[str, float]:
    """On PostgreSQL: compacted on-disk size (heap + TOAST + indexes) per table, per dossier,
    plus the stored (compressed) size of the workflow state alone. On SQLite: the file."""
    engine = make_engine(backend.url)
    try:
        if engine.dialect.name == "sqlite":
            return _sqlite(make_url(backend.url).database or "")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in TABLES:
                conn.execute(text(f"VACUUM FULL ANALYZE {table}"))
            dossiers = conn.execute(text("SELECT count(*) FROM dossier")).scalar_one()
            sizes = {
                table: conn.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar_one()
                / dossiers
                for table in TABLES
            }
            state = conn.execute(
                text("SELECT sum(pg_column_size(state)) FROM dossier")
            ).scalar_one()
        return {**sizes, "state": state / dossiers, "total": sum(sizes.values())}
    finally:
        engine.dispose()


def _sqlite(path: str) -> dict[str, float]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        dossiers = connection.execute("SELECT count(*) FROM dossier").fetchone()[0]
        state = connection.execute(
            "SELECT sum(length(CAST(state AS BLOB))) FROM dossier"
        ).fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
    finally:
        connection.close()
    return {"total": Path(path).stat().st_size / dossiers, "state": state / dossiers}
