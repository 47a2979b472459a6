"""The seeded database kept as rows, so a test's `ctx` costs a copy instead of a seeding.

Seeding (`tests.conftest.seed`: two procedures deployed, two units, the demo accounts, a role
grant approved; 36 rows) took 0.2–0.6 s per test, and about half of the suite's 2,200 tests ask
for it. The run seeds once, keeps every table's rows as the column types read them, and writes
them back into each test's empty database: the same rows, ids and audit chain that seeding there
would have written. PostgreSQL's sequences are set to where seeding left them (SQLite's
AUTOINCREMENT follows the largest id written by itself).

The rows are only valid for what they were made with: the default test settings and the clock
at `START`. A test module that changes either (its own `settings` fixture, e.g. with a national
portal whose outbox seeding would fill) is seeded the slow way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, bindparam, select, text

from storage.schema import METADATA

#: The tables in the order their foreign keys allow inserting them.
_TABLES: tuple[Table, ...] = tuple(METADATA.sorted_tables)


@dataclass(frozen=True)
class SeededRows:
    """Every non-empty table's rows, in primary-key order, and PostgreSQL's sequence values."""

    rows: tuple[tuple[Table, tuple[Mapping[str, Any], ...]], ...]
    sequences: tuple[tuple[str, int], ...]

    @classmethod
    def capture(cls, engine: Engine) -> SeededRows:
        with engine.connect() as conn:
            rows = []
            for table in _TABLES:
                found = conn.execute(select(table).order_by(*table.primary_key.columns))
                kept = tuple(dict(row) for row in found.mappings())
                if kept:
                    rows.append((table, kept))
            sequences: tuple[tuple[str, int], ...] = ()
            if engine.dialect.name == "postgresql":
                sequences = tuple(
                    (str(name), int(value))
                    for name, value in conn.execute(
                        text(
                            "SELECT sequencename, last_value FROM pg_sequences "
                            "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                        )
                    )
                )
        return cls(tuple(rows), sequences)

    def restore(self, engine: Engine) -> None:
        """Write the rows into `engine`'s database, which must be migrated and empty."""
        with engine.begin() as conn:
            for table, kept in self.rows:
                conn.execute(table.insert(), list(kept))
            for name, value in self.sequences:
                conn.execute(
                    text("SELECT setval(CAST(:name AS regclass), :value, true)").bindparams(
                        bindparam("name", name), bindparam("value", value)
                    )
                )
