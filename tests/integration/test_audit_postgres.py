"""The audit on PostgreSQL: triggers (with TRUNCATE), checkpoints, verify, replay and export.

Runs when MOTCUA_TEST_POSTGRES_URL points at a server where we may create a database; each test
gets a fresh database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import select, text, update

from api import create_app
from engine.audit.bundle import verify_bundle
from engine.context import EngineContext, build
from engine.events import dossier_chain
from engine.services import audit, audit_dossiers
from storage.admin import temporary_database
from storage.audit_models import Event
from storage.migrate import alembic_config, upgrade
from tests.conftest import ADMIN, make_settings, seed
from tests.integration.test_append_only import REFUSALS, assert_refused
from tests.support import ACCEPT, APPRAISE, HttpApi

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = os.environ.get("MOTCUA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("MOTCUA_TEST_POSTGRES_URL is not set: the audit is not tested on PostgreSQL")
    with temporary_database(url, "motcua_audit") as database_url:
        upgrade(database_url)
        yield database_url


@pytest.fixture
def pg_ctx(postgres_url: str, tmp_path: Path, clock: object) -> Iterator[EngineContext]:
    context = build(make_settings(tmp_path / "var", postgres_url), clock=clock)  # type: ignore[arg-type]
    seed(context)
    yield context
    context.close()


@pytest.fixture
def pg_http(pg_ctx: EngineContext) -> HttpApi:
    app: Flask = create_app(context=pg_ctx)
    app.config["TESTING"] = True
    return HttpApi(app.test_client())


def test_postgresql_refuses_update_delete_and_truncate(
    pg_ctx: EngineContext, pg_http: HttpApi
) -> None:
    pg_http.submit()
    audit.create_checkpoint(pg_ctx, ADMIN)
    for sql, table, operation in REFUSALS:
        assert_refused(pg_ctx.db.engine, sql, table, operation)
    assert_refused(pg_ctx.db.engine, "TRUNCATE event", "event", "TRUNCATE")


def test_the_whole_audit_works_on_postgresql(pg_ctx: EngineContext, pg_http: HttpApi) -> None:
    code = pg_http.submit()["code"]
    pg_http.act(code, "reception", ACCEPT)
    pg_http.dossier(code, "leader")
    pg_http.act(code, "specialist", APPRAISE)
    first = audit.create_checkpoint(pg_ctx, ADMIN)
    assert first.created and not first.refused
    assert not audit.create_checkpoint(pg_ctx, ADMIN).created
    assert audit.verify_audit_log(pg_ctx, ADMIN, replay=True).ok
    replayed = audit_dossiers.replay_dossier(pg_ctx, ADMIN, code)
    assert replayed.matches_stored is True, replayed.mismatches + replayed.problems
    assert verify_bundle(audit_dossiers.export_dossier(pg_ctx, ADMIN, code)).ok

    with pg_ctx.db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE event DISABLE TRIGGER USER"))
        conn.execute(
            update(Event)
            .where(Event.chain == dossier_chain(code), Event.seq == 3)
            .values(actor_username="leader")
        )
        conn.execute(text("ALTER TABLE event ENABLE TRIGGER USER"))
    problems = audit.verify_audit_log(pg_ctx, ADMIN).problems
    assert [(p.kind, p.dossier, p.seq) for p in problems] == [("modified", code, 3)]


def test_events_stored_before_the_compact_forms_verify_after_the_migrations(
    pg_ctx: EngineContext, pg_http: HttpApi, postgres_url: str
) -> None:
    """Migrations 0015-0017 (issue 20) change how the state, the hashes and the payloads are
    stored: a log written in the old forms (hex text, JSONB with its spaces) verifies, replays
    and exports after the upgrade, and a change made to it before is still found."""
    code, forged = pg_http.submit()["code"], pg_http.submit()["code"]
    pg_http.act(code, "reception", ACCEPT)
    assert audit.create_checkpoint(pg_ctx, ADMIN).created
    pg_ctx.db.engine.dispose()
    command.downgrade(alembic_config(postgres_url), "0015_packed_workflow_state")
    with pg_ctx.db.engine.begin() as conn:
        stored = conn.execute(text("SELECT hash, payload FROM event LIMIT 1")).one()
        assert isinstance(stored[0], str) and len(stored[0]) == 64 and isinstance(stored[1], dict)
        conn.execute(text("ALTER TABLE event DISABLE TRIGGER USER"))
        conn.execute(  # a forger's hash that is not even hex, in the old form
            text("UPDATE event SET hash = 'not-a-hash' WHERE chain = :chain AND seq = 1"),
            {"chain": dossier_chain(forged)},
        )
        conn.execute(text("ALTER TABLE event ENABLE TRIGGER USER"))
    pg_ctx.db.engine.dispose()
    upgrade(postgres_url)

    problems = audit.verify_audit_log(pg_ctx, ADMIN).problems
    assert {(p.dossier, p.seq) for p in problems} == {(forged, 1)}, problems
    with pg_ctx.db.engine.begin() as conn:
        assert (
            conn.execute(
                select(Event.hash).where(Event.chain == dossier_chain(forged), Event.seq == 1)
            ).scalar_one()
            == "not-a-hash"
        )
    pg_http.act(code, "specialist", APPRAISE)  # the chain goes on in the new forms
    replayed = audit_dossiers.replay_dossier(pg_ctx, ADMIN, code)
    assert replayed.matches_stored is True, replayed.mismatches + replayed.problems
    assert verify_bundle(audit_dossiers.export_dossier(pg_ctx, ADMIN, code)).ok
    problems = audit.verify_audit_log(pg_ctx, ADMIN, replay=True).problems
    assert {(p.dossier, p.seq) for p in problems} == {(forged, 1)}, problems
