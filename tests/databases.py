"""Where the tests' data lives.

By default every test gets its own copy of a migrated SQLite file. With
`MOTCUA_TEST_POSTGRES_URL=postgresql://user@host:port/db` (a server we may create databases on)
the run creates one fresh database of its own on that server, migrates it once, wipes it before
each test and drops it at the end. Tests marked `postgres` run only then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from storage.admin import (
    create_database,
    drop_database,
    temporary_database,
    unique_database_name,
    wipe,
)
from storage.db import make_engine
from storage.migrate import upgrade

POSTGRES_URL_VARIABLE = "MOTCUA_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"needs PostgreSQL: set {POSTGRES_URL_VARIABLE}=postgresql://postgres@127.0.0.1:5432/postgres "
    "(or run .ci/run)"
)


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


class PostgresTestDatabase:
    """One database per test run, named uniquely: other runs may share the server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = unique_database_name("motcua_test")
        self.url = create_database(admin_url, self.name)
        try:
            upgrade(self.url)
        except BaseException:
            drop_database(admin_url, self.name)
            raise
        self._engine = make_engine(self.url)

    def reset(self) -> None:
        wipe(self._engine)

    @contextmanager
    def scratch(self) -> Iterator[str]:
        """Another empty database (no schema) for the length of a test, e.g. for migrations."""
        with temporary_database(self.admin_url, "motcua_scratch") as url:
            yield url

    def drop(self) -> None:
        self._engine.dispose()
        drop_database(self.admin_url, self.name)
