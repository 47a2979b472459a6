"""The timer scheduler with real APScheduler and real time: exactly one is active per database,
and it fires a due timer within a second of its due time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext, build
from engine.scheduler import TimerScheduler
from engine.settings import Settings
from tests.conftest import seed
from tests.probe import deploy_probe, events_of, open_steps, submit_probe, timer_rows


@pytest.fixture
def live_ctx(settings: Settings) -> Iterator[EngineContext]:
    """A context on the wall clock: APScheduler wakes up in real time."""
    context = build(settings)
    seed(context)
    deploy_probe(context)
    yield context
    context.close()


def test_a_due_timer_fires_within_one_second_of_its_due_time(live_ctx: EngineContext) -> None:
    fired = threading.Event()
    scheduler = TimerScheduler(live_ctx, poll_seconds=0.2, on_fired=lambda _: fired.set())
    scheduler.start()
    try:
        due = datetime.now(UTC) + timedelta(seconds=1.5)
        code = submit_probe(live_ctx, due)
        assert fired.wait(timeout=15), "the timer did not fire"
    finally:
        scheduler.stop()
    [row] = [r for r in timer_rows(live_ctx, code) if r[1] == "wait_until"]
    _, _, due_at, status, closed_at = row
    assert status == "fired" and due_at == due
    lateness = (closed_at - due_at).total_seconds()
    assert 0 <= lateness < 1.0, f"fired {lateness:.3f} s after its due time"
    assert open_steps(live_ctx, code) == ["work"]


def test_the_first_sweep_fires_what_was_due_while_no_scheduler_ran(
    live_ctx: EngineContext, settings: Settings
) -> None:
    # Submitted an hour ago, due half an hour ago, and no scheduler has run since.
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    earlier = build(settings, clock=FrozenClock(an_hour_ago))
    try:
        code = submit_probe(earlier, an_hour_ago + timedelta(minutes=30))
    finally:
        earlier.close()
    assert timer_rows(live_ctx, code)[0][3] == "pending"
    fired = threading.Event()
    scheduler = TimerScheduler(live_ctx, poll_seconds=60, on_fired=lambda _: fired.set())
    scheduler.start()
    try:
        assert fired.wait(timeout=15)
    finally:
        scheduler.stop()
    assert len(events_of(live_ctx, code, "timer_fired")) == 1


def test_only_one_scheduler_is_active_and_another_takes_over(
    ctx: EngineContext, caplog: pytest.LogCaptureFixture
) -> None:
    first = TimerScheduler(ctx, poll_seconds=60)
    second = TimerScheduler(ctx, poll_seconds=60)
    caplog.set_level(logging.INFO, logger="motcua.scheduler")
    first.start()
    second.start()
    try:
        # A pair, not `not second.active`: mypy would keep second.active narrowed to False
        # through try_take_over(), which changes it.
        assert (first.active, second.active) == (True, False)
        assert "standing by" in caplog.text
        assert second.try_take_over() is False
        assert second.run_once() is None  # nor may it fire timers on the side
        first.stop()
        assert second.try_take_over() is True
        assert second.active
        assert first.run_once() is None
    finally:
        first.stop()
        second.stop()
    assert TimerScheduler(ctx).run_once() == 0  # everything released


def test_the_active_scheduler_signs_audit_checkpoints(ctx: EngineContext) -> None:
    scheduler = TimerScheduler(ctx, poll_seconds=60)
    assert scheduler.checkpoint() is True  # the deployments and accounts on the system chain
    assert scheduler.checkpoint() is False  # nothing moved since
    with ctx.uow(write=False) as uow:
        latest = uow.checkpoints.latest()
        assert latest is not None and latest.seq == 1
