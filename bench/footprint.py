"""Storage bytes per completed dossier: everything a dossier leaves behind in the database.

Every table a dossier writes to is counted (its rows, their indexes and TOAST), so the total is
what the database grows by per dossier. The signed PDFs of the documents of record are the one
exception: they are reported as a figure of their own (`documents_pdf`), outside `total`, and
the `document` table is counted without them (its metadata row, data and indexes).

Tables of fixed size (definitions, units, users, the calendar) are not per dossier and are left
out; so are the system chain's events (logins, deployments), which the `event` figure includes
only as the few rows the benchmark writes once (a whole table is measured).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.environment import Backend
from storage.db import make_engine

#: Every table a dossier adds rows to (or grows, for the two sequences and the checkpoints).
TABLES = (
    "dossier",
    "event",
    "chain",
    "work_item",
    "timer",
    "document",
    "dossier_file",
    "outbox_message",
    "late_acknowledgement",
    "report_dossier",
    "report_wait",
    "report_due",
    "checkpoint",
    "checkpoint_head",
    "code_sequence",
    "document_sequence",
)


def bytes_per_dossier(backend: Backend) -> dict[str, float]:
    """Per dossier: `tables` (each table's bytes), `total` (their sum, PDFs excluded),
    `documents_pdf` (the stored, compressed PDFs) and `state` (the stored workflow state alone,
    part of `dossier`).

    On PostgreSQL a table is heap + TOAST + indexes after VACUUM FULL (pg_total_relation_size);
    the PDFs are the `document` table's TOAST, taken off it. On SQLite a table is its pages and
    its indexes' pages (dbstat) after VACUUM, the PDFs their length taken off `document`;
    `file` is the whole file."""
    engine = make_engine(backend.url)
    try:
        if engine.dialect.name == "sqlite":
            return _sqlite(make_url(backend.url).database or "")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            present = set(
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).scalars()
            )
            tables = [t for t in TABLES if t in present]
            for table in tables:
                conn.execute(text(f"VACUUM FULL ANALYZE {table}"))
            dossiers = conn.execute(text("SELECT count(*) FROM dossier")).scalar_one()
            sizes = {
                table: conn.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar_one()
                for table in tables
            }
            # A PDF (~27 KB) is always moved out of its row to TOAST; the rest of a document
            # row (~2 KB) stays in it: the TOAST relation (chunks and their index) is the PDFs'.
            pdf = conn.execute(
                text(
                    "SELECT coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) "
                    "FROM pg_class WHERE oid = 'document'::regclass"
                )
            ).scalar_one()
            state = conn.execute(
                text("SELECT coalesce(sum(pg_column_size(state)), 0) FROM dossier")
            ).scalar_one()
        if "document" in sizes:
            sizes["document"] -= pdf
        return _per_dossier(sizes, pdf, state, dossiers)
    finally:
        engine.dispose()


def _per_dossier(
    sizes: dict[str, int], pdf: int, state: int, dossiers: int, **extra: int
) -> dict[str, float]:
    dossiers = max(dossiers, 1)
    tables = {table: size / dossiers for table, size in sizes.items()}
    found: dict[str, float] = {
        "total": sum(tables.values()),
        "documents_pdf": pdf / dossiers,
        "state": state / dossiers,
    }
    found.update({key: value / dossiers for key, value in extra.items()})
    found.update({f"table.{table}": size for table, size in tables.items()})
    return found


def _sqlite(path: str) -> dict[str, float]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        dossiers = connection.execute("SELECT count(*) FROM dossier").fetchone()[0]
        state = connection.execute(
            "SELECT coalesce(sum(length(CAST(state AS BLOB))), 0) FROM dossier"
        ).fetchone()[0]
        pdf = connection.execute(
            "SELECT coalesce(sum(length(CAST(pdf AS BLOB))), 0) FROM document"
        ).fetchone()[0]
        owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
        sizes = dict.fromkeys((t for t in TABLES if t in owner.values()), 0)
        for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name)
            if table in sizes:
                sizes[table] += size
    finally:
        connection.close()
    # SQLite keeps a PDF in the row's overflow pages: take it off the document table.
    sizes["document"] = max(0, sizes.get("document", 0) - pdf)
    return _per_dossier(sizes, pdf, state, dossiers, file=Path(path).stat().st_size)
