"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from storage.db import make_engine
from storage.migrate import alembic_config, table_names, upgrade
from storage.models import Dossier
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


_T = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
_STATE = '{"data":{"full_name":"Nguy\\u1ec5n V\\u0103n An"},"serializer_version":"1.5"}'


def _dossier_before_0015(url: str) -> None:
    """One dossier row as the schema of 0014 stores it (state as text)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO unit (code, name, active, created_at) "
                    "VALUES ('U1', 'unit', true, :t)"
                ),
                {"t": _T},
            )
            conn.execute(
                text(
                    "INSERT INTO definition (id, key, version, name, content_hash, sources, "
                    "forms, model, deployed_at, deployed_by) "
                    "VALUES (1, 'p', 1, 'p', 'h', '{}', '{}', '{}', :t, 'admin')"
                ),
                {"t": _T},
            )
            conn.execute(
                text(
                    "INSERT INTO dossier (id, code, procedure_key, definition_id, unit_code, "
                    "applicant, channel, return_channel, submission, data, status, "
                    "status_changed_at, submitted_at, state, version, updated_at) "
                    "VALUES (1, 'D1', 'p', 1, 'U1', '{}', 2, 2, '{}', '{}', 1, :t, :t, "
                    ":state, 1, :t)"
                ),
                {"t": _T, "state": _STATE},
            )
    finally:
        engine.dispose()


def _stored_state(url: str) -> tuple[object, str]:
    """The state column as stored, and as the model reads it."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT state FROM dossier WHERE id = 1")).scalar_one()
            read = conn.execute(select(Dossier.state).where(Dossier.id == 1)).scalar_one()
    finally:
        engine.dispose()
    return raw, read


def _packing_goes_up_and_down(url: str) -> None:
    upgrade(url, "0014_step_spent_time")
    _dossier_before_0015(url)
    upgrade(url)
    raw, read = _stored_state(url)
    assert isinstance(raw, bytes | memoryview)
    assert bytes(raw)[:1] == b"\x01" and bytes(raw) != _STATE.encode()
    assert read == _STATE
    command.downgrade(alembic_config(url), "0014_step_spent_time")
    raw, _ = _stored_state(url)
    assert raw == _STATE
    upgrade(url)
    assert _stored_state(url)[1] == _STATE
    command.check(alembic_config(url))


def test_0015_packs_the_stored_workflow_states_and_unpacks_them_going_down(
    tmp_path: Path,
) -> None:
    _packing_goes_up_and_down(f"sqlite:///{tmp_path / 'packing.db'}")


@pytest.mark.postgres
def test_0015_packs_and_unpacks_the_states_on_postgresql(
    postgres: PostgresTestDatabase | None,
) -> None:
    assert postgres is not None
    with postgres.scratch() as url:
        _packing_goes_up_and_down(url)


def _staging_goes_up_down_and_up(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        assert "staged_upload" in table_names(engine)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO user_account (id, username, password_hash, full_name, roles, "
                    "active, is_demo, created_at) "
                    "VALUES (1, 'c', 'x', 'C', '[\"citizen\"]', true, false, :t)"
                ),
                {"t": _T},
            )
            conn.execute(
                text(
                    "INSERT INTO staged_upload (user_id, sha256, size, content_type, staged_at) "
                    "VALUES (1, :sha, 10, 'application/pdf', :t)"
                ),
                {"sha": "ab" * 32, "t": _T},
            )
        command.downgrade(alembic_config(url), "0017_payloads_as_text")
        assert "staged_upload" not in table_names(engine)
        upgrade(url)
        assert "staged_upload" in table_names(engine)
        command.check(alembic_config(url))
    finally:
        engine.dispose()


def test_0018_staged_uploads_go_up_down_and_up(tmp_path: Path) -> None:
    _staging_goes_up_down_and_up(f"sqlite:///{tmp_path / 'staging.db'}")


@pytest.mark.postgres
def test_0018_staged_uploads_go_up_down_and_up_on_postgresql(
    postgres: PostgresTestDatabase | None,
) -> None:
    assert postgres is not None
    with postgres.scratch() as url:
        _staging_goes_up_down_and_up(url)
