"""The deadline and timer schema, the scheduler's advisory lock and a timer firing, on
PostgreSQL. Runs only with MOTCUA_TEST_POSTGRES_URL (a server where it may create databases)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command

from engine.clock import FrozenClock
from engine.context import build
from engine.scheduler import TimerScheduler
from storage.admin import temporary_database
from storage.db import make_engine
from storage.locks import singleton_lock
from storage.migrate import alembic_config, upgrade
from tests.conftest import START, make_settings, seed
from tests.probe import deploy_probe, events_of, open_steps, submit_probe

POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="MOTCUA_TEST_POSTGRES_URL is not set"),
]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated database for the test, dropped afterwards."""
    assert POSTGRES_URL is not None
    with temporary_database(POSTGRES_URL, "motcua_test") as url:
        upgrade(url)
        yield url


def test_the_migrations_match_the_models_and_go_down_and_up(pg_url: str) -> None:
    command.check(alembic_config(pg_url))
    command.downgrade(alembic_config(pg_url), "0001")
    upgrade(pg_url)
    command.check(alembic_config(pg_url))


def test_the_advisory_lock_admits_one_holder_across_connections(pg_url: str) -> None:
    first_engine, second_engine = make_engine(pg_url), make_engine(pg_url)
    try:
        first = singleton_lock(first_engine, "motcua-scheduler")
        second = singleton_lock(second_engine, "motcua-scheduler")
        assert first.try_acquire() and first.try_acquire()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        second.release()
    finally:
        first_engine.dispose()
        second_engine.dispose()


def test_a_timer_fires_once_on_postgres(pg_url: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    ctx = build(make_settings(tmp_path / "var", pg_url), clock=clock)
    try:
        seed(ctx)
        deploy_probe(ctx)
        code = submit_probe(ctx, START + timedelta(hours=1))
        clock.advance(timedelta(hours=2))
        assert TimerScheduler(ctx).run_once() == 1
        assert TimerScheduler(ctx).run_once() == 0
        assert len(events_of(ctx, code, "timer_fired")) == 1
        assert open_steps(ctx, code) == ["work"]
    finally:
        ctx.close()
