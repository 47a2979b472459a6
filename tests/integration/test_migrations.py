"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command

from storage.db import make_engine
from storage.migrate import alembic_config, table_names, upgrade
from tests.databases import PostgresTestDatabase


def test_upgrade_head_on_an_empty_database_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert {
            "definition",
            "dossier",
            "event",
            "chain",
            "work_item",
            "user_account",
            "unit",
            "code_sequence",
        } <= set(table_names(engine))
    finally:
        engine.dispose()
    command.check(alembic_config(url))  # raises if models and migrations disagree


def test_upgrading_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)


@pytest.mark.postgres
def test_the_same_migrations_build_the_schema_on_postgresql(
    postgres: PostgresTestDatabase | None,
) -> None:
    assert postgres is not None
    with postgres.scratch() as url:
        upgrade(url)
        upgrade(url)
        engine = make_engine(url)
        try:
            assert "work_item" in table_names(engine)
        finally:
            engine.dispose()
        command.check(alembic_config(url))
